"""Fill `cost` on every stack of a report, the team totals, and the budget findings."""

from __future__ import annotations

from typing import Any

from ssops_ci.adapters.static_engine import resolved
from ssops_ci.app.plan import Planned, Prepared, Side
from ssops_ci.config import pricing as pricebook
from ssops_ci.config.catalog import Kind
from ssops_ci.config.policies import PolicySet
from ssops_ci.config.pricing import PriceBook, Prices, PricingError
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.finding import Finding, sort_key
from ssops_ci.model.problems import InputError
from ssops_ci.model.report import StackReport
from ssops_ci.stages import findings as policy
from ssops_ci.stages.cost import StackCost, Totals, resource_cost, stack_cost, totals, usage_for
from ssops_ci.stages.validate import Request, load_all


def _book(planned: Planned, prices: Prices, req: Request | None) -> PriceBook | None:
    gate = planned.base.gate
    if req is None or gate is None:
        return None
    env = {str(k): v for k, v in gate.platform.environments.items()}.get(req.environment)
    if env is None:
        raise PricingError(f"environment {req.environment!r} has no region in policies/platform.yaml")
    return prices.book(env.region)


def _kind(planned: Planned, side: Side) -> Kind | None:
    gate = planned.base.gate
    return gate.catalog.get(side.request.kind) if gate and side.request else None


def _fail(s: StackReport, message: str) -> None:
    s.status = "error"
    s.error = f"{s.id}: cost estimate failed: {message}"
    s.cost = None
    s.findings = sorted(
        [
            *s.findings,
            Finding(
                source="plan",
                check_id="ssops.cost-error",
                severity="high",
                stack=s.id,
                message=message,
                remediation="the platform team must fix the price catalog; "
                "a stack is never shown as costing $0 because a price is missing",
                blocking=True,
            ),
        ],
        key=sort_key,
    )


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


def _usage_overrides(side: Side) -> dict[str, Any] | None:
    usage = side.request.spec.get("usage") if side.request else None
    return usage if isinstance(usage, dict) else None


def estimate_stack(planned: Planned, prices: Prices, s: StackReport, p: Prepared) -> StackCost:
    books = (_book(planned, prices, p.before.request), _book(planned, prices, p.after.request))
    kinds = (_kind(planned, p.before), _kind(planned, p.after))
    return stack_cost(s.changes, prices, books, kinds, (_usage_overrides(p.before), _usage_overrides(p.after)))


def team_monthly(planned: Planned, prices: Prices, team: str) -> float:
    """What a team's stacks cost per month once this change lands (every request of the team at head)."""
    head, base_gate = planned.head, planned.base.gate
    if head.gate is None or base_gate is None:
        return 0.0
    loaded = load_all(head.tree, head.gate.catalog, head.gate.teams, list(head.tree.files(f"requests/{team}")))
    total = 0.0
    for req in loaded.requests:
        try:
            stack = head.renderer.render(req)
        except InputError:
            continue
        book = _book(planned, prices, req)
        kind = base_gate.catalog.get(req.kind)
        overrides = req.spec.get("usage") if isinstance(req.spec.get("usage"), dict) else None
        for r in stack.resources:
            if r.mode != "managed":
                continue
            change = ResourceChange(address=r.address, type=r.type, action="no-op", after=resolved(r, stack))
            usage = usage_for(kind, overrides, r.address)
            total += resource_cost(change, prices, (None, book), ({}, usage)).monthly_after or 0.0
    return round(total, 2)


def evaluate(planned: Planned, policies: PolicySet | None) -> None:
    report = planned.report
    try:
        prices = pricebook.load(planned.base.tree)
    except InputError as e:
        for s in report.stacks:
            _fail(s, "the price catalog on the base branch is invalid: " + "; ".join(str(p) for p in e.problems))
        report.cost = Totals()
        return
    costs = []
    for s in report.stacks:
        if s.status == "error":
            continue  # never a cost for something we could not plan
        try:
            s.cost = estimate_stack(planned, prices, s, planned.stacks[s.id])
            costs.append(s.cost)
        except PricingError as e:
            _fail(s, str(e))
    report.cost = totals(costs)
    if policies is None:
        return
    hook = policy.budget_hook(planned, policies)
    teams: dict[str, list[StackReport]] = {}
    for s in report.stacks:
        if s.cost is not None:
            teams.setdefault(s.team, []).append(s)
    report.teams = {}
    for team, stacks in sorted(teams.items()):
        try:
            after = team_monthly(planned, prices, team)
        except PricingError as e:
            for st in stacks:
                st.findings = sorted([*st.findings, _unknown_budget(st.id, team, str(e))], key=sort_key)
            continue
        delta = round(sum(st.cost.monthly_delta for st in stacks if st.cost), 2)
        gate = planned.base.gate
        budget = gate.teams.teams[team].monthly_budget_usd if gate and team in gate.teams.teams else None
        report.teams[team] = {"monthly_before": round(after - delta, 2), "monthly_after": after, "budget": budget}
        adding = [st.id for st in stacks if st.cost and st.cost.monthly_delta > 0]
        for sid, found in hook(team, after - delta, after, adding).items():
            st = report.stack(sid)
            st.findings = sorted([*st.findings, *found], key=sort_key)
