"""What a forge (GitHub, or the local one) holds about pull requests, as values."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

StatusState = Literal["success", "failure", "pending", "error"]
RISK_CONTEXT = "ssops-ci/risk"
APPLY_CONTEXT = "ssops-ci/apply"
RISK_LABEL_PREFIX = "risk:"


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
