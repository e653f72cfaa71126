"""The Protocols the use cases need from the outside world; adapters/ implements them.

Use cases (app/) see only these, so a git repository, GitHub, Terraform, checkov or a
file store can be swapped for another implementation (or a test double) without
touching the pipeline.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from ssops_ci.model.audit import AuditRead, LockTaken
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.finding import ScanResult
from ssops_ci.model.forge import CheckState, GateState, Identity, MergeResult, PullRequest, RequiredCheck, Review
from ssops_ci.model.plan import PathChange
from ssops_ci.model.stack import Stack, StackJob


class Tree(Protocol):
    """A read-only view of one revision: the working directory, or one commit."""

    label: str

    def read(self, path: str) -> bytes | None:
        """Bytes of a file, or None when it does not exist."""

    def files(self, prefix: str) -> Iterator[str]:
        """Every file path below `prefix` (a folder), repository-relative, sorted."""

    def digest(self, path: str) -> str | None:
        """The git object id of the file or folder at `path` (it changes whenever its content does), or
        None when there is none or this tree cannot tell: then nothing derived from it is cached."""


class Cache(Protocol):
    """Summaries derived from content, keyed by the digests of everything that went into them."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


class Repository(Protocol):
    """A repository's history: revisions, their trees and the differences between them."""

    root: Path  # the working directory, where local records and local Terraform state live

    def resolve(self, ref: str) -> str:
        """The commit SHA `ref` names; SsopsError saying what to fetch when it names none."""

    def tree(self, sha: str) -> Tree: ...

    def merge_base(self, base: str, head: str) -> str: ...

    def diff(self, old: str, new: str) -> list[PathChange]:
        """What changed from `old` to `new`, with renames detected."""

    def parents(self, sha: str) -> list[str]: ...

    def message(self, sha: str) -> str: ...

    def has_commit(self, sha: str) -> bool: ...

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is `descendant` or one of its ancestors."""

    def on_first_parent(self, branch: str, sha: str) -> bool:
        """Whether `sha` is on `branch`'s first-parent history: a state the branch itself was in (a merge)."""


class Engine(Protocol):
    """Plans (and applies) a stack: the static diff, or a real Terraform."""

    name: str
    concurrent: bool  # plans may run in parallel threads

    def plan(self, job: StackJob) -> list[ResourceChange]:
        """Every managed resource of the stack with its action; PlanError when that is not knowable."""

    def apply(self, job: StackJob, sha: str) -> str:
        """Make the stack what `job.after` says (destroy it when None); a one-line summary. PlanError on failure."""


class Scanner(Protocol):
    def scan(self, stacks: list[Stack]) -> ScanResult: ...


class Forge(Protocol):
    """Where pull requests live (GitHub, or the local forge)."""

    name: str

    def identity(self) -> Identity:
        """Who ssops-ci acts as here: a GitHub App, the Actions token, or the local user."""

    def get_pr(self, number: int) -> PullRequest: ...

    def base_tip(self, branch: str) -> str:
        """The current commit of a branch (a PR's base moves on after it is opened)."""

    def open_prs(self, base: str) -> list[PullRequest]: ...

    def changed_paths(self, number: int) -> list[str] | None:
        """Every path the pull request changes (both sides of a rename); None when too many to list."""

    def upsert_comment(self, number: int, body: str, marker: str) -> str:
        """Create the sticky comment or update it in place; returns its id. Never duplicates."""

    def set_gate(self, sha: str, context: str, state: GateState, title: str, summary: str, url: str | None) -> None:
        """The gate's verdict on a commit: a check run owned by ssops-ci's identity (a status on the local forge)."""

    def set_status(self, sha: str, context: str, state: GateState, description: str, url: str | None = None) -> None:
        """A commit status (the apply result)."""

    def required_checks(self, branch: str) -> list[RequiredCheck]:
        """The checks branch protection and rulesets require before merging into `branch`, with their source."""

    def check_states(self, sha: str) -> list[CheckState]:
        """The latest commit statuses and check runs on `sha`."""

    def set_labels(self, number: int, labels: list[str], managed_prefix: str) -> None:
        """Make the labels starting with `managed_prefix` exactly `labels`; leave the others alone."""

    def request_reviewers(self, number: int, teams: list[str], users: list[str]) -> None:
        """Ask for reviews from GitHub teams (org/slug) and users not already asked."""

    def reviews(self, number: int) -> list[Review]: ...

    def can_write(self, user: str) -> bool:
        """Whether `user` may push to the repository (write, maintain or admin): only their reviews count."""

    def merge(self, number: int, sha: str, title: str) -> MergeResult:
        """Merge only if the head is still `sha`; a refusal is a result with GitHub's reason, not an error."""

    def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        """Start a workflow (`workflow_dispatch`) at `ref`."""

    def start_deployment(self, sha: str, environment: str, description: str, url: str | None) -> str:
        """A deployment of `sha` to `environment`, marked in progress (the PR's timeline shows it); its id."""

    def finish_deployment(
        self, deployment: str, environment: str, ok: bool, description: str, url: str | None
    ) -> None: ...


class AuditTrail(Protocol):
    """The append-only record of every decision and action."""

    def emit(self, event: str, **fields: Any) -> dict[str, Any]: ...

    def read(self) -> AuditRead: ...


Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]


class Store(Protocol):
    """The system of record, outliving any runner: the audit chain, the apply ledger, stack locks, the static
    engine's record of what it applied, and the reports behind comments. Tables hold JSON documents by key."""

    location: str  # where the records are, for messages

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Add `event` to the end of the audit chain, linked to the one before; a repeated `uid` is a no-op."""

    def events(self) -> AuditRead: ...

    def get(self, table: str, key: str) -> dict[str, Any] | None: ...

    def all(self, table: str) -> dict[str, dict[str, Any]]: ...

    def update(self, table: str, key: str, change: Change) -> dict[str, Any] | None:
        """Replace a document by `change(current)` atomically (None deletes it); returns what was written.
        `change` may be called more than once, when another writer got there first."""

    def stack_lock(self, stack: str, timeout: float) -> contextlib.AbstractContextManager[LockTaken]:
        """One apply per stack at a time, across runners; LockTimeout naming the holder after `timeout`. A lock
        whose holder is known to be dead, or whose lease ran out, is taken over and the takeover is reported."""


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> float:
        """Seconds since the epoch."""
