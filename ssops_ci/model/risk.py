"""The sixth and seventh values: a risk tier with its reasons, and the decision that follows from it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Tier = Literal["low", "medium", "high", "blocked"]
TIERS: tuple[Tier, ...] = ("low", "medium", "high", "blocked")


def rank(tier: Tier) -> int:
    return TIERS.index(tier)


class Risk(BaseModel):
    model_config = ConfigDict(frozen=True)
    tier: Tier
    reasons: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # ids of the rules that matched


class Author(BaseModel):
    """Who opened a pull request, as far as the risk rules care."""

    model_config = ConfigDict(frozen=True)
    login: str
    is_fork: bool = False


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)
    auto_merge: bool
    required_approvals: int
    required_reviewers: list[str] = Field(default_factory=list)  # GitHub team mentions, e.g. @acme/payments
    approver_teams: list[str] = Field(default_factory=list)  # keys in policies/teams.yaml, one approval each
    next_step: str
    blocked_by: list[str] = Field(default_factory=list)  # file:line: what to fix
    draft: bool = False  # evaluated, never merged until it is marked ready for review
    merge_refused: str | None = None  # GitHub's reason, when it refused the merge
    waiting_for: list[str] = Field(default_factory=list)  # other required checks, not green yet


class Approvals(BaseModel):
    """Which required teams approved the current head, and why other reviews did not count."""

    model_config = ConfigDict(frozen=True)
    satisfied: bool
    approved: dict[str, list[str]] = Field(default_factory=dict)  # team -> approvers that count
    missing: list[str] = Field(default_factory=list)  # teams still to approve
    ignored: list[str] = Field(default_factory=list)  # why some reviews did not count
    changes_requested: list[str] = Field(default_factory=list)

    @property
    def approvers(self) -> list[str]:
        return sorted({u for users in self.approved.values() for u in users})
