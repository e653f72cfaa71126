"""The whole evaluation, in order: plan -> findings -> (cost -> risk). Pure data in, report out."""

from __future__ import annotations

import datetime as dt

import git

from ssops_ci.adapters.checkov import Scanner
from ssops_ci.app import plan as planner
from ssops_ci.app.plan import Planned, Progress
from ssops_ci.config.policies import PolicySet
from ssops_ci.config.risk_rules import RiskRules
from ssops_ci.model.risk import Decision, Risk
from ssops_ci.stages import cost_stage as cost_stage
from ssops_ci.stages import findings as policy
from ssops_ci.stages import risk


def evaluate(
    repo: git.Repo,
    base_ref: str,
    head_ref: str,
    *,
    engine: str | None = None,
    only: list[str] | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    scanner: Scanner | None = None,
) -> Planned:
    planned = planner.plan(repo, base_ref, head_ref, engine=engine, only=only, progress=progress)
    policies = policy.evaluate(planned, today=today, scanner=scanner)
    cost_stage.evaluate(planned, policies)
    assess(planned, policies)
    return planned


def assess(planned: Planned, policies: PolicySet | None) -> None:
    """Risk and decision. Without valid base policies every stack is blocked (fail closed)."""
    report = planned.report
    rules = policies.risk if policies is not None else RiskRules()
    report.risk = risk.assess(report, rules)
    if policies is None or planned.base.gate is None:
        reasons = dict.fromkeys(["the base branch's policies are invalid", *report.risk.reasons])
        report.risk = Risk(tier="blocked", reasons=list(reasons))
        for s in report.stacks:
            s.risk = Risk(tier="blocked", reasons=[f"{s.id}: the base branch's policies are invalid"])
    teams = planned.base.gate.teams if planned.base.gate else None
    if teams is None:
        report.decision = Decision(
            auto_merge=False,
            required_approvals=0,
            next_step="Blocked: the base branch's catalog or teams are invalid.",
            blocked_by=[planned.base.error or "base revision invalid"],
        )
        return
    report.decision = risk.decide(report, report.risk, teams)
