"""The sixth stage: a tier and the reasons for it, per stack and for the pull request.

Rules are data (policies/risk.yaml, from the base branch) over a fixed vocabulary of
conditions, so the platform team tunes them without touching code. One rule is built
in: who opened the pull request. An author outside the owning team, or a fork, never
gets a low tier, whatever the other rules say.
"""

from __future__ import annotations

from typing import Any

from ssops_ci.config.risk_rules import PrWhen, RiskRules, When
from ssops_ci.config.teams import Teams
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.fmt import money
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.risk import Author, Risk, Tier, rank

POLICIES_INVALID = "the base branch's policies are invalid"
HEAD_POLICIES_INVALID = (
    "this pull request breaks platform files the gate reads: once merged, every pull request would be blocked"
)
Match = tuple[Tier, str, str]  # tier, reason, rule id


def _stack_facts(s: StackReport) -> dict[str, Any]:
    cost = s.cost
    blocking = {f.check_id for f in s.blocking}
    return {
        "stack": s.id,
        "kind": s.kind,
        "environment": s.environment,
        "team": s.team,
        "reason": s.reason,
        "error": (s.error or "").splitlines()[0] if s.error else "",
        "blocking_count": len(s.blocking),
        "blocking_checks": ", ".join(sorted(blocking)) or "none",
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


def _unset_or(condition: object, holds: bool) -> bool:
    return condition is None or holds


def _stack_holds(w: When, s: StackReport) -> bool:
    cost = s.cost
    return all(
        (
            _unset_or(w.status, s.status == w.status),
            _unset_or(w.blocking_findings, bool(s.blocking) == w.blocking_findings),
            _unset_or(w.drift, bool(s.drift) == w.drift),
            _unset_or(w.environments, s.environment in (w.environments or [])),
            _unset_or(w.kinds, s.kind in (w.kinds or [])),
            _unset_or(w.reasons, bool(set(s.reasons) & set(w.reasons or []))),
            _unset_or(w.waivers, s.needs_platform_approval == w.waivers),
            _unset_or(w.monthly_delta_over, cost is not None and cost.monthly_delta > (w.monthly_delta_over or 0)),
            _unset_or(w.monthly_delta_percent_over, _grows_by(s, w.monthly_delta_percent_over or 0)),
        )
    )


def _change_matches(w: When, c: ResourceChange) -> bool:
    if w.actions is not None and c.action not in w.actions:
        return False
    return not (w.holds_data is not None and c.holds_data != w.holds_data)


def _matches(w: When, s: StackReport) -> list[ResourceChange | None] | None:
    """None when the rule does not match; else the changes it matched (or [None] for stack-level rules)."""
    if not _stack_holds(w, s):
        return None
    if w.actions is None and w.holds_data is None:
        return [None]
    hits: list[ResourceChange | None] = [c for c in s.changes if _change_matches(w, c)]
    return hits or None


def assess_stack(s: StackReport, rules: RiskRules) -> Risk:
    matched: list[Match] = []
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


def _outsider(s: StackReport, author: Author, teams: Teams) -> str | None:
    """Why who opened the pull request keeps this stack from merging by itself, if they do."""
    member_of = set(teams.teams_of(author.login))
    if author.is_fork:
        return f"{s.id}: the pull request comes from a fork"
    if not member_of:
        return f"{s.id}: the author {author.login} is not in any team in policies/teams.yaml"
    if s.team not in member_of and teams.platform_team not in member_of:
        return f"{s.id}: the author {author.login} is not a member of the owning team {s.team}"
    return None


def author_rule(s: StackReport, risk: Risk, author: Author | None, teams: Teams | None) -> Risk:
    """Outsiders, other teams' members and forks never merge without the owning team: low becomes medium."""
    if risk.tier != "low" or author is None or teams is None:
        return risk
    why = _outsider(s, author, teams)
    if why is None:
        return risk
    kept = risk.reasons if risk.rules else []  # "nothing matched a risk rule" is no longer true
    return Risk(tier="medium", reasons=[why, *kept], rules=["author", *risk.rules])


def _pr_holds(w: PrWhen, report: Report, reach: int, delta: float) -> bool:
    return all(
        (
            _unset_or(w.governance, bool(report.governance_paths) == w.governance),
            _unset_or(w.template_reach_over, reach > (w.template_reach_over or 0)),
            _unset_or(w.stacks_over, len(report.stacks) > (w.stacks_over or 0)),
            _unset_or(w.monthly_delta_over, delta > (w.monthly_delta_over or 0)),
        )
    )


def _pr_matches(report: Report, rules: RiskRules) -> list[Match]:
    reach = sum(1 for s in report.stacks if s.reason == "template-changed")
    delta = report.cost.monthly_delta if report.cost else 0.0
    facts = {
        "governance_paths": ", ".join(report.governance_paths),
        "template_reach": reach,
        "stacks": len(report.stacks),
        "monthly_delta": money(delta, signed=True),
    }
    return [
        (rule.tier, rule.reason.format(**facts), rule.id)
        for rule in rules.pr_rules
        if _pr_holds(rule.when, report, reach, delta)
    ]


def assess_pr(report: Report, rules: RiskRules) -> Risk:
    """The pull request's tier: the highest of its stacks and of the pull-request rules."""
    tiers: list[Match] = [
        (s.risk.tier, r, rid)
        for s in report.stacks
        if s.risk and s.risk.tier != "low"
        for r, rid in zip(s.risk.reasons, s.risk.rules, strict=False)
    ]
    tiers += _pr_matches(report, rules)
    if report.policy_errors:
        tiers.append(("blocked", POLICIES_INVALID, "policy-error"))
    if report.head_policy_errors:
        tiers.append(("blocked", HEAD_POLICIES_INVALID, "head-policy-error"))
    tiers += [("blocked", e, "integrity") for e in report.integrity_errors]
    if not tiers:
        return Risk(tier="low", reasons=["every change is low risk"])
    tiers.sort(key=lambda t: -rank(t[0]))
    return Risk(tier=tiers[0][0], reasons=[t[1] for t in tiers], rules=sorted({t[2] for t in tiers}))


def _fail_closed(report: Report, risk: Risk) -> Report:
    """Without valid base policies nothing can merge: every stack and the pull request are blocked."""
    stacks = [
        s.model_copy(update={"risk": Risk(tier="blocked", reasons=[f"{s.id}: {POLICIES_INVALID}"])})
        for s in report.stacks
    ]
    reasons = dict.fromkeys([POLICIES_INVALID, *risk.reasons])
    return report.model_copy(update={"stacks": stacks, "risk": Risk(tier="blocked", reasons=list(reasons))})


def _stack_risk(s: StackReport, rules: RiskRules | None, author: Author | None, teams: Teams | None) -> Risk:
    if rules is None:
        return assess_stack(s, RiskRules())
    return author_rule(s, assess_stack(s, rules), author, teams)


def assess(report: Report, rules: RiskRules | None, author: Author | None = None, teams: Teams | None = None) -> Report:
    """Every stack's tier, then the pull request's. `rules` None: the base's policies are invalid."""
    stacks = [s.model_copy(update={"risk": _stack_risk(s, rules, author, teams)}) for s in report.stacks]
    assessed = report.model_copy(update={"stacks": stacks})
    risk = assess_pr(assessed, rules or RiskRules())
    if rules is None:
        return _fail_closed(assessed, risk)
    return assessed.model_copy(update={"risk": risk})
