"""What a forge (GitHub, or the local one) holds about pull requests and checks, as values."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

GateState = Literal["success", "failure", "pending", "error"]
RISK_CONTEXT = "ssops-ci/risk"
APPLY_CONTEXT = "ssops-ci/apply"
RISK_LABEL_PREFIX = "risk:"
EVALUATE_WORKFLOW = "evaluate.yml"
APPLY_WORKFLOW = "apply.yml"
REPORT_ARTIFACT = "ssops-report"


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
    draft: bool = False
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
    refused: bool = False  # GitHub said no (protection, rules, not mergeable): `message` is its reason


class Identity(BaseModel):
    """Who ssops-ci acts as on the forge."""

    model_config = ConfigDict(frozen=True)
    login: str
    kind: Literal["app", "actions-token", "token", "local"]
    app_id: int | None = None  # the GitHub App behind an installation token

    @property
    def triggers_workflows(self) -> bool:
        """Whether events this identity causes (a merge's push) start workflows: GITHUB_TOKEN's do not."""
        return self.kind != "actions-token"


class RequiredCheck(BaseModel):
    """A check branch protection or a ruleset requires before merging; `app_id` None: from any source."""

    model_config = ConfigDict(frozen=True)
    context: str
    app_id: int | None = None


class CheckState(BaseModel):
    """The latest state of one check on a commit: a commit status, or a check run and the app that made it."""

    model_config = ConfigDict(frozen=True)
    context: str
    source: Literal["status", "check-run"]
    passed: bool
    done: bool = True
    app_id: int | None = None
