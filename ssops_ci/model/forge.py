"""Forges: where pull requests live. GitHub (PyGithub) or a local store inside .git/."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

StatusState = Literal["success", "failure", "pending", "error"]
RISK_CONTEXT = "ssops-ci/risk"
APPLY_CONTEXT = "ssops-ci/apply"
RISK_LABEL_PREFIX = "risk:"


class ForgeError(Exception):
    """The forge could not be reached or refused an operation; nothing was merged."""


class PullRequest(BaseModel):
    number: int
    title: str = ""
    author: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    state: Literal["open", "closed", "merged"] = "open"
    is_fork: bool = False
    url: str = ""


class Review(BaseModel):
    user: str
    state: Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
    commit_id: str | None = None
    submitted_at: str | None = None


class MergeResult(BaseModel):
    merged: bool
    sha: str | None = None
    message: str = ""
    head_moved: bool = False  # the head was not the evaluated SHA: nothing merged


class Forge(Protocol):
    name: str

    def get_pr(self, number: int) -> PullRequest: ...

    def upsert_comment(self, number: int, body: str, marker: str) -> str:
        """Create the sticky comment or update it in place; returns its id. Never duplicates."""

    def set_status(
        self, sha: str, context: str, state: StatusState, description: str, url: str | None = None
    ) -> None: ...

    def statuses(self, sha: str) -> dict[str, StatusState]:
        """The latest state of each status context on `sha`."""

    def required_contexts(self, branch: str) -> list[str]:
        """Status contexts branch protection requires before merging into `branch`."""

    def set_labels(self, number: int, labels: list[str], managed_prefix: str) -> None:
        """Make the labels starting with `managed_prefix` exactly `labels`; leave the others alone."""

    def request_reviewers(self, number: int, teams: list[str], users: list[str]) -> None:
        """Ask for reviews from GitHub teams (org/slug) and users not already asked."""

    def reviews(self, number: int) -> list[Review]: ...

    def merge(self, number: int, sha: str, title: str) -> MergeResult:
        """Merge only if the head is still `sha`."""


class Store(BaseModel):
    """Everything the local forge keeps in .git/ssops/forge.json."""

    next_number: int = 1
    next_comment: int = 1
    prs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    statuses: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)  # sha -> context -> status
