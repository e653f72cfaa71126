"""The default adapters behind the use cases, for one git repository (the CLI and the demo build them here).

Everything is passed in explicitly; reading flags and the environment is the commands' job.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from ssops_ci.adapters import audit
from ssops_ci.adapters.checkov import CheckovScanner
from ssops_ci.adapters.clock import FixedClock, SystemClock
from ssops_ci.adapters.engines import Purpose, choose_engine
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.state import StateStore
from ssops_ci.app.apply import Applier
from ssops_ci.app.evaluate import Evaluation, Services, evaluate
from ssops_ci.app.gate import Gate
from ssops_ci.app.pull_request import PullRequests
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.config.policies import Policies
from ssops_ci.model.risk import Author
from ssops_ci.ports import AuditTrail, Engine, Forge, Scanner

Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def state_store(repo: GitRepository) -> StateStore:
    return StateStore(repo.root / ".ssops")


def engines(
    repo: GitRepository, wanted: str | None, purpose: Purpose, warn: Warn | None = None, store: StateStore | None = None
) -> Callable[[Platform | None], Engine]:
    def choose(platform: Platform | None) -> Engine:
        return choose_engine(wanted, platform, repo.root, purpose=purpose, store=store, warn=warn)

    return choose


def services(
    repo: GitRepository,
    *,
    engine: str | None = None,
    today: dt.date | None = None,
    scanner: Scanner | None = None,
    warn: Warn | None = None,
) -> Services:
    def scan(policies: Policies, catalog: Catalog) -> Scanner:
        return scanner or CheckovScanner(policies, catalog)

    return Services(
        repository=repo,
        engines=engines(repo, engine, "plan", warn or _stderr),
        scanner=scan,
        clock=FixedClock(today) if today else SystemClock(),
    )


def evaluator(svc: Services) -> Callable[[str, str, Author, list[str] | None], Evaluation]:
    def run(base: str, head: str, author: Author, only: list[str] | None = None) -> Evaluation:
        return evaluate(svc, base, head, author=author, only=only)

    return run


def gate(repo: GitRepository, forge: Forge, *, trail: AuditTrail | None = None, report_url: str | None = None) -> Gate:
    return Gate(
        forge,
        repo,
        trail or audit.for_root(repo.root),
        store=None if repo.git.bare else state_store(repo),
        report_url=report_url,
    )


def pull_requests(
    repo: GitRepository,
    forge: Forge,
    *,
    trail: AuditTrail | None = None,
    report_url: str | None = None,
    svc: Services | None = None,
) -> PullRequests:
    return PullRequests(
        repo, forge, evaluator(svc or services(repo)), gate(repo, forge, trail=trail, report_url=report_url)
    )


def applier(
    repo: GitRepository,
    *,
    forge: Forge | None = None,
    engine: str | None = None,
    trail: AuditTrail | None = None,
    parallel: int | None = None,
    lock_timeout: float = 600.0,
    store: StateStore | None = None,
) -> Applier:
    store = store or state_store(repo)
    return Applier(
        repo,
        engines=engines(repo, engine, "apply", store=store),
        store=store,
        audit=trail or audit.for_root(repo.root),
        clock=SystemClock(),
        forge=forge,
        parallel=parallel,
        lock_timeout=lock_timeout,
    )


def open_repository(path: Path) -> GitRepository:
    return GitRepository.open(path)
