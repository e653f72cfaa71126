"""Risk and decision models, shared by the risk stage, the report and the forge loop."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Tier = Literal["low", "medium", "high", "blocked"]
TIERS: tuple[Tier, ...] = ("low", "medium", "high", "blocked")


def rank(tier: Tier) -> int:
    return TIERS.index(tier)


class Risk(BaseModel):
    tier: Tier
    reasons: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # ids of the rules that matched


class Decision(BaseModel):
    auto_merge: bool
    required_approvals: int
    required_reviewers: list[str] = Field(default_factory=list)  # GitHub team mentions, e.g. @acme/payments
    approver_teams: list[str] = Field(default_factory=list)  # keys in policies/teams.yaml, one approval each
    next_step: str
    blocked_by: list[str] = Field(default_factory=list)  # file:line: what to fix
