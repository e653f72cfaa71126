"""Reports as a whole: the reports of a matrix fan-out combined, and the short summary for a terminal."""

from __future__ import annotations

from typing import Any

from ssops_ci.model.cost import totals
from ssops_ci.model.fmt import money, table
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Report, StackReport

SYMBOLS = (("create", "+"), ("update", "~"), ("replace", "-/+"), ("delete", "-"))


def _stacks_of_one_run(reports: list[Report]) -> dict[str, StackReport]:
    first = reports[0]
    seen: dict[str, StackReport] = {}
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
    return seen


def merge(reports: list[Report]) -> Report:
    """Combine per-stack-group reports of one base..head (a matrix fan-out) into one."""
    if not reports:
        raise SsopsError("merge-reports needs at least one report")
    seen = _stacks_of_one_run(reports)
    stacks = [seen[k] for k in sorted(seen)]
    costs = [s.cost for s in stacks if s.cost is not None]
    update: dict[str, Any] = {
        "governance_paths": sorted({p for r in reports for p in r.governance_paths}),
        "policy_errors": sorted({p for r in reports for p in r.policy_errors}),
        "head_policy_errors": sorted({p for r in reports for p in r.head_policy_errors}),
        "checks_passed": sum(r.checks_passed for r in reports),
        "teams": {k: v for r in reports for k, v in r.teams.items()},
        "stacks": stacks,
        "cost": totals(costs) if any(r.cost is not None for r in reports) else None,
    }
    return reports[0].model_copy(update=update)


def _header(report: Report) -> list[str]:
    lines = [f"ssops-ci plan {report.base[:12]}..{report.head[:12]} ({report.engine} engine)"]
    if report.risk and report.decision:
        lines.append(f"risk: {report.risk.tier} - {report.decision.next_step}")
    if report.cost:
        c = report.cost
        delta = money(c.monthly_delta, signed=True)
        lines.append(f"cost: {money(c.monthly_before)} -> {money(c.monthly_after)} a month ({delta})")
    if report.governance_paths:
        lines.append(f"governance change: {', '.join(report.governance_paths)}")
    return lines


def _row(s: StackReport) -> list[str]:
    if s.status == "error":
        return [s.id, s.reason, *("" for _ in SYMBOLS), "error (below)"]
    return [s.id, s.reason, *(str(s.counts[a]) for a, _ in SYMBOLS), s.risk.tier if s.risk else ""]


def summary_text(report: Report) -> str:
    """A short table per stack, for stdout and the job summary."""
    lines = _header(report)
    if not report.stacks:
        return "\n".join([*lines, "no stacks affected"]) + "\n"
    headers = ["stack", "reason", *(sym for _, sym in SYMBOLS), "tier"]
    lines += table([_row(s) for s in report.stacks], headers, "ll" + "r" * len(SYMBOLS) + "l")
    lines += [f"ERROR {(s.error or '').splitlines()[0]}" for s in report.stacks if s.status == "error"]
    n = {a: sum(s.counts[a] for s in report.stacks) for a, _ in SYMBOLS}
    errors = sum(1 for s in report.stacks if s.status == "error")
    lines.append(
        f"{len(report.stacks)} stack(s): {n['create']} to create, {n['update']} to update, "
        f"{n['replace']} to replace, {n['delete']} to destroy" + (f"; {errors} could not be planned" if errors else "")
    )
    return "\n".join(lines) + "\n"
