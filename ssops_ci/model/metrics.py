"""What self-service achieved, as computed from the audit trail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ssops_ci.model.slo import Service

TIERS = ("low", "medium", "high", "blocked")


class PrStory(BaseModel):
    pr: int
    title: str = ""
    author: str = ""
    opened: str | None = None
    merged: str | None = None
    applied: str | None = None
    tier: str | None = None  # at merge, or the latest
    no_human: bool = False
    required: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    blocking_checks: list[str] = Field(default_factory=list)
    team_deltas: dict[str, float] = Field(default_factory=dict)
    merge_sha: str | None = None
    apply_failed: bool = False


class Lead(BaseModel):
    count: int
    median_hours: float | None
    p90_hours: float | None


class Metrics(BaseModel):
    since: str | None = None
    prs: int
    merged: int
    applied: int
    no_human_share: float | None
    lead_to_merge: dict[str, Lead]
    lead_to_apply: dict[str, Lead]
    denials: list[tuple[str, int]]
    cost_added: dict[str, float]
    waiting: list[dict[str, Any]]
    apply_failures: int
    stories: list[PrStory]
    service: Service | None = None
