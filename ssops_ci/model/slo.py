"""How self-service did against its objectives: per objective, overall and per tier and team."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["met", "at risk", "missed", "no data"]


class Objective(BaseModel):
    id: str
    title: str
    target: str  # said the way people read it: "95% within 2m", "at most 30%"
    actual: str  # said the same way, or "no data"
    value: float | None  # the measured figure (seconds for latencies, a share for rates)
    median: float | None = None  # latencies only
    goal: float  # the target figure, in the same unit
    unit: Literal["s", "%"]
    samples: int
    budget_burnt: float | None  # share of the error budget used: 1.0 = all of it
    status: Status
    by_tier: dict[str, float | None] = Field(default_factory=dict)
    by_team: dict[str, float | None] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)  # e.g. the audit gaps, by name


class Queue(BaseModel):
    """Open pull requests by how long they have waited, and on whom."""

    by_age: dict[str, int]
    by_waiting_on: dict[str, int]


class Service(BaseModel):
    objectives: list[Objective]
    queue: Queue
    declared: bool  # the targets come from policies/objectives.yaml (else the defaults)
