"""What the GitHub double remembers: identities and their permissions, pull requests, checks, workflow runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

ACTIONS_APP_ID = 15368  # GitHub Actions: the app behind every workflow's GITHUB_TOKEN
LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}
# What a repository role may do, as a GitHub App token's permissions would say it.
ROLE_SCOPES = {
    "read": {
        "contents": "read",
        "pull_requests": "read",
        "issues": "read",
        "checks": "read",
        "statuses": "read",
        "actions": "read",
        "metadata": "read",
        "deployments": "read",
    },
    "write": {
        "contents": "write",
        "pull_requests": "write",
        "issues": "write",
        "checks": "read",
        "statuses": "write",
        "actions": "write",
        "metadata": "read",
        "deployments": "write",
    },
}
ROLE_SCOPES["admin"] = {**ROLE_SCOPES["write"], "administration": "write", "members": "read"}


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Identity:
    """Who a token acts as: a person, a workflow's GITHUB_TOKEN (GitHub Actions' app) or a GitHub App."""

    login: str
    kind: Literal["user", "actions", "app"]
    app_id: int | None = None
    scopes: dict[str, str] = field(default_factory=dict)  # permission -> read|write (a user's: from their role)
    jwt: bool = False  # the app itself (a signed JWT), which may only ask for its installation and tokens

    def may(self, scope: str, level: str) -> bool:
        return LEVELS.get(self.scopes.get(scope, "none"), 0) >= LEVELS[level]


@dataclass
class App:
    app_id: int
    slug: str
    public_key: str  # PEM, to verify the JWTs the app signs
    installation_id: int
    permissions: dict[str, str]


@dataclass
class PR:
    number: int
    head: str
    base: str
    author: str
    title: str
    fork: bool = False
    draft: bool = False
    state: str = "open"
    merged: bool = False
    merge_sha: str | None = None
    head_sha_at_close: str | None = None
    labels: list[str] = field(default_factory=list)
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    app_id: int
    status: str = "queued"
    conclusion: str | None = None
    title: str | None = None
    summary: str | None = None
    details_url: str | None = None
    started_at: str = field(default_factory=now)
    completed_at: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "completed" and self.conclusion in ("success", "neutral", "skipped")


@dataclass
class WorkflowRun:
    id: int
    workflow: str  # the file, e.g. evaluate.yml
    name: str  # its `name:`
    event: str
    head_sha: str
    head_branch: str | None
    actor: str
    status: str = "queued"
    conclusion: str | None = None
    pull_requests: list[int] = field(default_factory=list)
    artifacts: dict[str, int] = field(default_factory=dict)  # name -> artifact id
    display_title: str = ""  # its `run-name:` (else the workflow's name)


@dataclass
class Artifact:
    id: int
    name: str
    run_id: int
    data: bytes  # the zip archive


@dataclass
class Issue:
    number: int
    title: str
    body: str
    labels: list[str]
    author: str
    state: str = "open"
    state_reason: str | None = None


@dataclass
class Event:
    """Something that happened on the repository; GitHub Actions decides which workflows it starts."""

    name: str
    payload: dict[str, Any]
    actor: Identity
    sha: str
    ref: str
    level: int = 0  # for workflow_run: how many workflow_run links led to the run that finished
