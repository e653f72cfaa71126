"""The sixth stage: a tier and the reasons for it, per stack and for the pull request.

Rules are data (policies/risk.yaml, from the base branch) over a fixed vocabulary
of conditions, so the platform team can tune them without touching code.
"""

from __future__ import annotations

from typing import Any

from ssops_ci.config.risk_rules import RiskRules, When
from ssops_ci.config.teams import Teams
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.fmt import money
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.risk import Decision, Risk, Tier, rank


def _stack_facts(s: StackReport) -> dict[str, Any]:
    blocking = [f for f in s.findings if f.blocking]
    cost = s.cost
    return {
        "stack": s.id,
        "kind": s.kind,
        "environment": s.environment,
        "team": s.team,
        "reason": s.reason,
        "error": (s.error or "").splitlines()[0] if s.error else "",
        "blocking_count": len(blocking),
        "blocking_checks": ", ".join(sorted({f.check_id for f in blocking})) or "none",
        "waived_checks": ", ".join(sorted({f.check_id for f in s.findings if f.waived})) or "none",
        "monthly_delta": money(cost.monthly_delta, signed=True) if cost else "unknown",
        "monthly_before": money(cost.monthly_before) if cost else "unknown",
        "monthly_after": money(cost.monthly_after) if cost else "unknown",
        "action": "",
        "address": "",
    }


def _grows_by(s: StackReport, percent: float) -> bool:
    cost = s.cost
    if cost is None or cost.monthly_delta <= 0:
        return False
    return cost.monthly_before == 0 or cost.monthly_delta / cost.monthly_before * 100 > percent


def _change_matches(w: When, c: ResourceChange) -> bool:
    if w.actions is not None and c.action not in w.actions:
        return False
    return not (w.holds_data is not None and c.holds_data != w.holds_data)


def _matches(w: When, s: StackReport) -> list[ResourceChange | None] | None:
    """None when the rule does not match; else the changes it matched (or [None] for stack-level rules)."""
    cost = s.cost
    checks = [
        w.status is None or s.status == w.status,
        w.blocking_findings is None or any(f.blocking for f in s.findings) == w.blocking_findings,
        w.drift is None or bool(s.drift) == w.drift,
        w.environments is None or s.environment in w.environments,
        w.kinds is None or s.kind in w.kinds,
        w.reasons is None or bool(set(s.reasons) & set(w.reasons)),
        w.waivers is None or (s.needs_platform_approval == w.waivers),
        w.monthly_delta_over is None or (cost is not None and cost.monthly_delta > w.monthly_delta_over),
        w.monthly_delta_percent_over is None
        or (
            cost is not None
            and cost.monthly_delta > 0
            and (
                cost.monthly_before == 0
                or cost.monthly_delta / cost.monthly_before * 100 > w.monthly_delta_percent_over
            )
        ),
    ]
    if not all(checks):
        return None
    if w.actions is None and w.holds_data is None:
        return [None]
    hits: list[ResourceChange | None] = [c for c in s.changes if _change_matches(w, c)]
    return hits or None


def assess_stack(s: StackReport, rules: RiskRules) -> Risk:
    matched: list[tuple[Tier, str, str]] = []
    facts = _stack_facts(s)
    for rule in rules.stack_rules:
        hits = _matches(rule.when, s)
        if hits is None:
            continue
        first = hits[0]
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        extra = {"action": first.action, "address": first.address + more} if first else {}
        matched.append((rule.tier, rule.reason.format(**{**facts, **extra}), rule.id))
    if not matched:
        return Risk(tier="low", reasons=[f"{s.id}: nothing matched a risk rule"], rules=[])
    matched.sort(key=lambda m: -rank(m[0]))
    return Risk(tier=matched[0][0], reasons=[m[1] for m in matched], rules=[m[2] for m in matched])


def assess(report: Report, rules: RiskRules) -> Risk:
    """Fill `risk` on every stack and return the pull request's risk."""
    tiers: list[tuple[Tier, str, str]] = []
    for s in report.stacks:
        s.risk = assess_stack(s, rules)
        if s.risk.tier != "low":
            tiers.extend((s.risk.tier, r, rid) for r, rid in zip(s.risk.reasons, s.risk.rules, strict=False))
    reach = sum(1 for s in report.stacks if s.reason == "template-changed")
    delta = report.cost.monthly_delta if report.cost else 0.0
    facts = {
        "governance_paths": ", ".join(report.governance_paths),
        "template_reach": reach,
        "stacks": len(report.stacks),
        "monthly_delta": money(delta, signed=True),
    }
    for rule in rules.pr_rules:
        w = rule.when
        if (
            (w.governance is None or bool(report.governance_paths) == w.governance)
            and (w.template_reach_over is None or reach > w.template_reach_over)
            and (w.stacks_over is None or len(report.stacks) > w.stacks_over)
            and (w.monthly_delta_over is None or delta > w.monthly_delta_over)
        ):
            tiers.append((rule.tier, rule.reason.format(**facts), rule.id))
    if report.policy_errors:
        tiers.append(("blocked", "the base branch's policies are invalid", "policy-error"))
    if not tiers:
        return Risk(tier="low", reasons=["every change is low risk"])
    tiers.sort(key=lambda t: -rank(t[0]))
    top = tiers[0][0]
    return Risk(tier=top, reasons=[t[1] for t in tiers], rules=sorted({t[2] for t in tiers}))


def decide(report: Report, risk: Risk, teams: Teams) -> Decision:
    """Who has to act next, in one sentence, from the pull request's tier."""
    if risk.tier == "blocked":
        found = []
        for s in report.stacks:
            for f in s.findings:
                if f.blocking:
                    where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or s.request)
                    # What the developer edits (their request) first, generated files after.
                    found.append((not (f.file or "").startswith("requests/"), f"{where}: {f.message}"))
        items = [text for _, text in sorted(found, key=lambda x: x[0])]
        for err in report.policy_errors:
            items.append(err)
        for s in report.stacks:
            if s.status == "error" and not any(f.blocking for f in s.findings):
                items.append(f"{s.request}: {(s.error or '').splitlines()[0]}")
        first = items[0] if items else "the problems listed below"
        more = f" (and {len(items) - 1} more below)" if len(items) > 1 else ""
        return Decision(
            auto_merge=False,
            required_approvals=0,
            next_step=f"Blocked: fix {first}{more}, then push again.",
            blocked_by=items,
        )
    if risk.tier == "low":
        return Decision(
            auto_merge=True,
            required_approvals=0,
            next_step="Will merge and apply automatically once the other required checks pass; nobody needs to act.",
        )
    if risk.tier == "high":
        owners = [teams.platform_team]
    else:
        owners = sorted({s.team for s in report.stacks if s.risk and s.risk.tier == "medium"})
    mentions = [teams.teams[t].mention if t in teams.teams else f"@{teams.org}/{t}" for t in owners]
    who = " and ".join(mentions)
    label = " (the platform team)" if risk.tier == "high" else ""
    return Decision(
        auto_merge=False,
        required_approvals=len(owners),
        required_reviewers=mentions,
        approver_teams=owners,
        next_step=f"Needs approval from {who}{label} on this exact commit; it then merges and applies by itself.",
    )
