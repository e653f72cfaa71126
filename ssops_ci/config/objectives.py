"""`policies/objectives.yaml`: the service levels self-service is held to, and the budget for missing them.

Optional: without the file the defaults below apply (and the report says so).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.config import files
from ssops_ci.model.layout import OBJECTIVES
from ssops_ci.ports import Tree


class Latency(BaseModel):
    """`percentile`% of the measured durations within the target."""

    model_config = ConfigDict(extra="forbid")
    percentile: float = Field(default=95, gt=0, lt=100)
    target_seconds: float = Field(gt=0)
    tiers: list[str] = Field(default_factory=lambda: ["low", "medium", "high"])


class Ceiling(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max: float = Field(ge=0, le=1)


class Floor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float = Field(ge=0, le=1)


class Objectives(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provisioning_latency: Latency = Latency(percentile=95, target_seconds=120, tiers=["low"])
    approval_turnaround: Latency = Latency(percentile=95, target_seconds=24 * 3600, tiers=["medium", "high"])
    policy_deny_rate: Ceiling = Ceiling(max=0.3)
    pipeline_success_rate: Floor = Floor(min=0.99)
    partial_applies: Ceiling = Ceiling(max=0.02)
    audit_completeness: Floor = Floor(min=1.0)
    declared: bool = Field(default=False, exclude=True)  # read from the file, or the defaults


def load(tree: Tree) -> Objectives:
    if tree.read(OBJECTIVES) is None:
        return Objectives()
    found = files.load(Objectives, tree, OBJECTIVES)
    return found.model_copy(update={"declared": True})
