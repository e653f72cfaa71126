"""The report: the JSON contract every stage adds to and other tools read."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.model.change import ResourceChange, action_counts
from ssops_ci.model.cost import StackCost, Totals
from ssops_ci.model.finding import Finding
from ssops_ci.model.risk import Decision, Risk, Tier

REPORT_VERSION = 1


class StackReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    request: str
    kind: str
    team: str
    environment: str
    reason: str
    reasons: list[str] = Field(default_factory=list)
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    # Set when the error is the platform's to fix (credentials, backend, providers): what to change.
    platform_fault: str | None = None
    renamed_from: str | None = None
    template_version: dict[str, str | None] = Field(default_factory=dict)
    drift: list[str] = Field(default_factory=list)
    changes: list[ResourceChange] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    waivers: list[dict[str, Any]] = Field(default_factory=list)  # the waivers that applied
    needs_platform_approval: bool = False
    cost: StackCost | None = None
    risk: Risk | None = None

    @property
    def counts(self) -> dict[str, int]:
        return action_counts(self.changes)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    def failed(self, message: str, platform_fault: str | None = None) -> StackReport:
        """This stack, marked as not evaluable (nothing in it can merge)."""
        update: dict[str, object] = {
            "status": "error",
            "error": f"{self.id}: {message}",
            "changes": [],
            "platform_fault": platform_fault,
        }
        return self.model_copy(update=update)


class TierShift(BaseModel):
    """An existing request the pull request's rules would judge differently from the current ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request: str
    before: Tier
    after: Tier
    reasons: list[str] = Field(default_factory=list)  # why, under the new rules


class RulesPreview(BaseModel):
    """A pull request that changes the rules, seen the other way: every merged request judged as if it were
    proposed again today, under the current rules and under the pull request's."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    files: list[str]  # the rule files the pull request changes
    checked: int = 0
    unrenderable: int = 0  # merged requests that no longer render at the base (not judged)
    shifts: list[TierShift] = Field(default_factory=list)


class Report(BaseModel):
    # Forbid what it does not know: a report is also untrusted input to the gate, read from an artifact.
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = REPORT_VERSION
    base: str
    head: str
    merge_base: str
    engine: str
    governance_paths: list[str] = Field(default_factory=list)
    policy_errors: list[str] = Field(default_factory=list)
    # What the gate found the report does not match (the pull request changes more than it covers).
    integrity_errors: list[str] = Field(default_factory=list)
    # The pull request's own catalog or policy files that the gate could not run on once merged.
    head_policy_errors: list[str] = Field(default_factory=list)
    rules_preview: RulesPreview | None = None
    checks_passed: int = 0
    cost: Totals | None = None
    teams: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    risk: Risk | None = None  # for the whole pull request
    decision: Decision | None = None
    stacks: list[StackReport] = Field(default_factory=list)

    def stack(self, stack_id: str) -> StackReport:
        return next(s for s in self.stacks if s.id == stack_id)

    @property
    def blocking_checks(self) -> list[str]:
        return sorted({f.check_id for s in self.stacks for f in s.blocking})

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


class Evaluated(BaseModel):
    """What an unprivileged evaluation job says it evaluated (checked against the forge before use)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pr: int
    head: str
    base: str
    base_ref: str
