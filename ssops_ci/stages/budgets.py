"""Each affected team's monthly total once the change lands, against its budget (policies/teams.yaml)."""

from __future__ import annotations

from ssops_ci.config.guardrails import Guardrails
from ssops_ci.config.pricing import PricingError
from ssops_ci.config.teams import Teams
from ssops_ci.model.finding import Finding
from ssops_ci.model.report import Report, StackReport
from ssops_ci.stages import guardrails
from ssops_ci.stages.findings import with_findings


def teams_to_total(report: Report) -> list[str]:
    """The teams whose totals a change moves: those with a priced stack in it."""
    return sorted({s.team for s in report.stacks if s.cost is not None})


Totals = dict[str, float | PricingError]  # team -> its monthly total once the change lands, or why unknown


def _unknown_budget(stack: str, team: str, why: str) -> Finding:
    return Finding(
        source="budget",
        check_id="guardrail.budget",
        severity="high",
        stack=stack,
        message=f"team {team}'s monthly total cannot be computed, so its budget cannot be checked: {why}",
        remediation="the platform team must fix the price catalog",
        blocking=True,
    )


def _budget(teams: Teams, team: str) -> float | None:
    return teams.teams[team].monthly_budget_usd if team in teams.teams else None


def _team_findings(
    team: str, before: float, after: float, stacks: list[StackReport], teams: Teams, g: Guardrails
) -> dict[str, list[Finding]]:
    if team not in teams.teams:
        return {}
    adding = [s.id for s in stacks if s.cost and s.cost.monthly_delta > 0]
    return guardrails.budget_findings(team, before, after, _budget(teams, team), adding, g)


def budgets(report: Report, team_totals: Totals, teams: Teams, g: Guardrails) -> Report:
    """Team totals on the report, and a finding on the stacks that push a team over (or near) its budget."""
    extra: dict[str, list[Finding]] = {}
    totals: dict[str, dict[str, float | None]] = {}
    for team in teams_to_total(report):
        stacks = [s for s in report.stacks if s.team == team and s.cost is not None]
        after = team_totals.get(team, 0.0)
        if isinstance(after, PricingError):
            for s in stacks:
                extra.setdefault(s.id, []).append(_unknown_budget(s.id, team, str(after)))
            continue
        delta = round(sum(s.cost.monthly_delta for s in stacks if s.cost), 2)
        totals[team] = {
            "monthly_before": round(after - delta, 2),
            "monthly_after": after,
            "budget": _budget(teams, team),
        }
        for sid, found in _team_findings(team, after - delta, after, stacks, teams, g).items():
            extra.setdefault(sid, []).extend(found)
    stacks = [with_findings(s, extra[s.id]) if s.id in extra else s for s in report.stacks]
    return report.model_copy(update={"stacks": stacks, "teams": totals})
