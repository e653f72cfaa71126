"""The report: the JSON contract every stage extends and other tools read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ssops_ci.model.change import ResourceChange, action_counts
from ssops_ci.model.finding import Finding
from ssops_ci.model.fmt import money
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.risk import Decision, Risk
from ssops_ci.stages.cost import StackCost, Totals, totals

REPORT_VERSION = 1


class StackReport(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    request: str
    kind: str
    team: str
    environment: str
    reason: str
    reasons: list[str] = Field(default_factory=list)
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
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


class Report(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int = REPORT_VERSION
    base: str
    head: str
    merge_base: str
    engine: str
    governance_paths: list[str] = Field(default_factory=list)
    policy_errors: list[str] = Field(default_factory=list)
    checks_passed: int = 0
    cost: Totals | None = None
    teams: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    risk: Risk | None = None  # for the whole pull request
    decision: Decision | None = None
    stacks: list[StackReport] = Field(default_factory=list)

    def stack(self, stack_id: str) -> StackReport:
        return next(s for s in self.stacks if s.id == stack_id)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Report:
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as e:
        raise SsopsError(f"cannot read report {path}: {e.strerror}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise SsopsError(f"{path} is not an ssops-ci report: {where}: {first['msg']}") from None


def merge(reports: list[Report]) -> Report:
    """Combine per-stack-group reports of one base..head (a matrix fan-out) into one."""
    if not reports:
        raise SsopsError("merge-reports needs at least one report")
    first = reports[0]
    seen: dict[str, Any] = {}
    for r in reports:
        if (r.base, r.head) != (first.base, first.head):
            raise SsopsError(
                f"reports are for different revisions ({first.base[:12]}..{first.head[:12]} and "
                f"{r.base[:12]}..{r.head[:12]}); merge reports of one run only"
            )
        for s in r.stacks:
            if s.id in seen:
                raise SsopsError(f"stack {s.id} appears in two reports; each stack belongs to one matrix group")
            seen[s.id] = s
    merged = first.model_copy(
        update={
            "governance_paths": sorted({p for r in reports for p in r.governance_paths}),
            "policy_errors": sorted({p for r in reports for p in r.policy_errors}),
            "checks_passed": sum(r.checks_passed for r in reports),
            "teams": {k: v for r in reports for k, v in r.teams.items()},
            "stacks": [seen[k] for k in sorted(seen)],
        }
    )
    costs = [s.cost for s in merged.stacks if s.cost is not None]
    merged.cost = totals(costs) if any(r.cost is not None for r in reports) else None
    return merged


SYMBOLS = (("create", "+"), ("update", "~"), ("replace", "-/+"), ("delete", "-"))


def summary_text(report: Report) -> str:
    """A short table per stack, for stdout and the job summary."""
    lines = [f"ssops-ci plan {report.base[:12]}..{report.head[:12]} ({report.engine} engine)"]
    if report.risk and report.decision:
        lines.append(f"risk: {report.risk.tier} - {report.decision.next_step}")
    if report.cost:
        c = report.cost
        delta = money(c.monthly_delta, signed=True)
        lines.append(f"cost: {money(c.monthly_before)} -> {money(c.monthly_after)} a month ({delta})")
    if report.governance_paths:
        lines.append(f"governance change: {', '.join(report.governance_paths)}")
    if not report.stacks:
        lines.append("no stacks affected")
        return "\n".join(lines) + "\n"
    width = max(len(s.id) for s in report.stacks)
    lines.append(f"{'stack'.ljust(width)}  {'reason':<17} " + " ".join(f"{sym:>4}" for _, sym in SYMBOLS) + "  tier")
    for s in report.stacks:
        if s.status == "error":
            first = (s.error or "").splitlines()[0] if s.error else ""
            lines.append(f"{s.id.ljust(width)}  {s.reason:<17} ERROR: {first}")
            continue
        counts = s.counts
        tier = f"  {s.risk.tier}" if s.risk else ""
        lines.append(f"{s.id.ljust(width)}  {s.reason:<17} " + " ".join(f"{counts[a]:>4}" for a, _ in SYMBOLS) + tier)
    totals = {a: sum(s.counts[a] for s in report.stacks) for a, _ in SYMBOLS}
    errors = sum(1 for s in report.stacks if s.status == "error")
    lines.append(
        f"{len(report.stacks)} stack(s): {totals['create']} to create, {totals['update']} to update, "
        f"{totals['replace']} to replace, {totals['delete']} to destroy"
        + (f"; {errors} could not be planned" if errors else "")
    )
    return "\n".join(lines) + "\n"
