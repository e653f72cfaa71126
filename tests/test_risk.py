"""Each default risk rule, the tier combinations and the decision, on report data."""

from __future__ import annotations

import pytest

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import risk_rules
from ssops_ci.config.teams import load as load_teams
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.cost import StackCost
from ssops_ci.model.finding import Finding
from ssops_ci.model.problems import InputError
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.risk import Decision, Risk
from ssops_ci.stages import decision, risk
from tests.conftest import PROJECT

RULES = risk_rules.load(WorkTree(PROJECT))
TEAMS = load_teams(WorkTree(PROJECT))


def stack(
    sid: str = "payments/q",
    env: str = "dev",
    actions: tuple[str, ...] = ("create",),
    *,
    holds_data: bool = False,
    findings: list[Finding] | None = None,
    before: float = 0.0,
    after: float = 5.0,
    **kw: object,
) -> StackReport:
    team = sid.split("/")[0]
    return StackReport(
        id=sid,
        request=f"requests/{sid}.yaml",
        kind="Queue",
        team=team,
        environment=env,
        reason="request-added",
        changes=[
            ResourceChange(address=f"aws_sqs_queue.r{i}", type="aws_sqs_queue", action=a, holds_data=holds_data)
            for i, a in enumerate(actions)
        ],
        findings=findings or [],
        cost=StackCost(monthly_before=before, monthly_after=after, monthly_delta=round(after - before, 2)),
        **kw,  # type: ignore[arg-type]
    )


def finding(blocking: bool = True, waived: bool = False) -> Finding:
    return Finding(
        source="guardrail",
        check_id="guardrail.x",
        severity="high",
        stack="payments/q",
        message="m",
        remediation="r",
        blocking=blocking,
        waived=waived,
        file="requests/payments/q.yaml",
        line=10,
    )


@pytest.mark.parametrize(
    ("s", "tier", "rule"),
    [
        (stack(), "low", None),
        (stack(env="staging", actions=("update",)), "low", None),
        (stack(actions=("no-op",), env="prod"), "low", None),
        (stack(env="prod"), "medium", "production"),
        (stack(env="prod", actions=("update",)), "medium", "production"),
        (stack(env="dev", actions=("delete",), holds_data=True), "high", "data-loss"),
        (stack(env="prod", actions=("replace",), holds_data=True), "high", "data-loss"),
        (stack(env="dev", actions=("delete",), holds_data=False), "low", None),
        (stack(needs_platform_approval=True, findings=[finding(blocking=False, waived=True)]), "high", "waivers"),
        (stack(after=600.0), "high", "expensive"),
        (stack(before=100.0, after=250.0), "medium", "cost-doubles"),
        (stack(before=100.0, after=150.0), "low", None),
        (stack(findings=[finding()]), "blocked", "blocking-findings"),
        (stack(drift=["rendered/payments/q/main.tf: hand-edited"]), "blocked", "drift"),
        (stack(status="error", error="boom"), "blocked", "not-evaluated"),
        (
            stack(env="prod", actions=("replace",), holds_data=True, findings=[finding()]),
            "blocked",
            "blocking-findings",
        ),
    ],
)
def test_each_default_rule(s: StackReport, tier: str, rule: str | None) -> None:
    r = risk.assess_stack(s, RULES)
    assert r.tier == tier
    if rule:
        assert r.rules[0] == rule
        assert r.reasons[0].startswith("payments/q")
    else:
        assert r.rules == []


def test_reasons_name_the_resource_and_the_cost() -> None:
    r = risk.assess_stack(stack(env="prod", actions=("replace", "replace"), holds_data=True, after=900.0), RULES)
    assert r.tier == "high"
    assert "payments/q: replace of aws_sqs_queue.r0 (and 1 more), which holds data" in r.reasons
    assert "payments/q adds +$900.00 a month (over $500)" in r.reasons
    # high reasons first, then the medium ones
    assert [rid for rid in r.rules] == ["data-loss", "expensive", "production", "cost-doubles"]


def assess(rep: Report) -> tuple[Report, Risk]:
    """The report with every stack's tier, and the pull request's."""
    assessed = risk.assess(rep, RULES)
    assert assessed.risk is not None
    return assessed, assessed.risk


def decide(rep: Report, pr: Risk) -> Decision:
    return decision.decide(rep, pr, TEAMS)


def report(*stacks: StackReport, governance: list[str] | None = None) -> Report:
    return Report(
        base="b" * 40,
        head="h" * 40,
        merge_base="m" * 40,
        engine="static",
        governance_paths=governance or [],
        stacks=list(stacks),
    )


def test_pr_tier_is_the_highest_and_decision_follows() -> None:
    rep = report(stack("payments/a"), stack("search/b", env="prod"), stack("payments/c", env="prod"))
    rep, pr = assess(rep)
    assert pr.tier == "medium"
    d = decide(rep, pr)
    assert (d.auto_merge, d.required_approvals) == (False, 2)
    assert d.required_reviewers == ["@acme/payments", "@acme/search"]
    assert d.approver_teams == ["payments", "search"]
    assert d.next_step.startswith("Needs approval from @acme/payments and @acme/search on this exact commit")


def test_low_auto_merges() -> None:
    rep = report(stack("payments/a"), stack("search/b", env="staging", actions=("update",)))
    rep, pr = assess(rep)
    d = decide(rep, pr)
    assert pr.tier == "low" and d.auto_merge and d.required_approvals == 0 and d.required_reviewers == []


def test_high_needs_the_platform_team() -> None:
    rep = report(stack("payments/a", env="prod"), stack("payments/db", actions=("delete",), holds_data=True))
    rep, pr = assess(rep)
    d = decide(rep, pr)
    assert pr.tier == "high"
    assert (d.required_reviewers, d.approver_teams, d.required_approvals) == (["@acme/platform"], ["platform"], 1)


def test_governance_change_is_high_even_when_stacks_are_low() -> None:
    rep = report(stack("payments/a"), governance=["policies/guardrails.yaml"])
    rep, pr = assess(rep)
    assert pr.tier == "high"
    assert pr.reasons == ["changes platform-owned paths: policies/guardrails.yaml"]


def test_template_reach_and_blocked_decision() -> None:
    many = [stack(f"payments/s{i:03d}").model_copy(update={"reason": "template-changed"}) for i in range(30)]
    _, pr = assess(report(*many))
    assert pr.tier == "high" and "a template change reaches 30 stacks" in pr.reasons
    blocked = report(stack("payments/a"), stack("payments/b", findings=[finding()]))
    blocked, pr = assess(blocked)
    d = decide(blocked, pr)
    assert pr.tier == "blocked" and not d.auto_merge
    assert d.blocked_by == ["requests/payments/q.yaml:10: m"]
    assert d.next_step == "Blocked: fix requests/payments/q.yaml:10: m, then push again."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stack_rules:\n  - id: x\n    when: {colour: red}\n    tier: low\n    reason: r\n",
            "stack_rules.0.when.colour: unknown field",
        ),
        (
            "stack_rules:\n  - id: x\n    when: {}\n    tier: urgent\n    reason: r\n",
            "stack_rules.0.tier: Input should be",
        ),
        (
            "stack_rules:\n  - id: x\n    when: {}\n    tier: low\n    reason: '{stack.__class__}'\n",
            "unknown field {stack.__class__} in reason",
        ),
    ],
)
def test_malformed_risk_rules(make_repo, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"policies/risk.yaml": text})
    with pytest.raises(InputError) as e:
        risk_rules.load(WorkTree(root))
    assert any(expected in p.message and p.path == "policies/risk.yaml" for p in e.value.problems), e.value.problems


@pytest.mark.parametrize(
    ("author", "fork", "why"),
    [
        ("alice", True, "payments/q: the pull request comes from a fork"),
        ("mallory", False, "payments/q: the author mallory is not in any team in policies/teams.yaml"),
        ("carol", False, "payments/q: the author carol is not a member of the owning team payments"),
    ],
)
def test_the_author_rule_raises_low_to_medium(author: str, fork: bool, why: str) -> None:
    from ssops_ci.model.risk import Author

    assessed = risk.assess(report(stack()), RULES, Author(login=author, is_fork=fork), TEAMS)
    s = assessed.stacks[0]
    assert s.risk == Risk(tier="medium", reasons=[why], rules=["author"])
    assert assessed.risk is not None and assessed.risk.tier == "medium" and assessed.risk.reasons == [why]


@pytest.mark.parametrize("author", ["alice", "pat-platform"])
def test_the_owning_team_and_the_platform_team_keep_their_tier(author: str) -> None:
    from ssops_ci.model.risk import Author

    assessed = risk.assess(report(stack()), RULES, Author(login=author), TEAMS)
    assert assessed.risk is not None and assessed.risk.tier == "low"
    prod = risk.assess(report(stack(env="prod")), RULES, Author(login="carol"), TEAMS).stacks[0].risk
    assert prod is not None and prod.rules == ["production"]  # only a low tier is raised, never rewritten


def test_without_valid_policies_everything_is_blocked() -> None:
    assessed = risk.assess(report(stack(), stack("search/b", env="prod")), None)
    assert assessed.risk is not None and assessed.risk.tier == "blocked"
    assert assessed.risk.reasons[0] == "the base branch's policies are invalid"
    assert [s.risk.tier for s in assessed.stacks if s.risk] == ["blocked", "blocked"]
