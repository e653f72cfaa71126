"""The default adapters behind the use cases, for one git repository (the CLI and the demo build them here).

Everything is passed in explicitly; reading flags and the environment is the commands' job.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssops_ci.adapters import aws_reference
from ssops_ci.adapters.audit import StoreAudit
from ssops_ci.adapters.cache import DiskCache
from ssops_ci.adapters.checkov import CheckovScanner
from ssops_ci.adapters.clock import FixedClock, SystemClock
from ssops_ci.adapters.engines import choose_engine
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.stores import open_store
from ssops_ci.adapters.terraform_faults import Purpose
from ssops_ci.app.apply import Applier
from ssops_ci.app.evaluate import Evaluation, Services, evaluate
from ssops_ci.app.gate import Gate
from ssops_ci.app.pull_request import PullRequests
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.config.policies import Policies
from ssops_ci.model.risk import Author
from ssops_ci.ports import AuditTrail, Engine, Forge, Scanner, Store

Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class Records:
    """Where a command keeps its records: the store, and the audit trail written to it."""

    store: Store
    trail: AuditTrail


def records(
    repo: GitRepository,
    *,
    url: str | None = None,
    token: str | None = None,
    name: str | None = None,
    owner: dict[str, object] | None = None,
    webhook: str | None = None,
    actor: str = "ssops-ci",
) -> Records:
    """The store `url` names (default: the git store in `repo`, published to its origin if it has one)."""
    store = open_store(
        url or "git", repo.root, remotes=repo.remotes(), token=token, name=name or repo.name(), owner=owner
    )
    return Records(store, StoreAudit(store, webhook=webhook, actor=actor))


def local_records(repo: GitRepository) -> Records:
    """Records kept in `repo` alone (tests and the demo)."""
    return records(repo, url="git:local")


def engines(
    repo: GitRepository, wanted: str | None, purpose: Purpose, warn: Warn | None = None, store: Store | None = None
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
    cache: bool = True,
) -> Services:
    store = DiskCache(repo.root / ".ssops" / "cache") if cache else None

    def scan(policies: Policies, catalog: Catalog) -> Scanner:
        return scanner or CheckovScanner(policies, catalog, store)

    return Services(
        repository=repo,
        engines=engines(repo, engine, "plan", warn or _stderr),
        scanner=scan,
        clock=FixedClock(today) if today else SystemClock(),
        cache=store,
        schemas=aws_reference.provider_schemas(),
        limits=aws_reference.value_limits(),
    )


def evaluator(svc: Services) -> Callable[[str, str, Author, list[str] | None], Evaluation]:
    def run(base: str, head: str, author: Author, only: list[str] | None = None) -> Evaluation:
        return evaluate(svc, base, head, author=author, only=only)

    return run


def gate(repo: GitRepository, forge: Forge, *, trail: AuditTrail | None = None, report_url: str | None = None) -> Gate:
    return Gate(forge, repo, trail or local_records(repo).trail, report_url=report_url)


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
    kept: Records | None = None,
    branch: str = "main",
    run_url: str | None = None,
) -> Applier:
    kept = kept or local_records(repo)
    return Applier(
        repo,
        engines=engines(repo, engine, "apply", store=kept.store),
        store=kept.store,
        audit=trail or kept.trail,
        clock=SystemClock(),
        forge=forge,
        parallel=parallel,
        lock_timeout=lock_timeout,
        branch=branch,
        run_url=run_url,
    )


def open_repository(path: Path) -> GitRepository:
    return GitRepository.open(path)
