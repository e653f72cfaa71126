"""The fourth stage: every planned stack judged by the base revision's rules, as findings.

Guardrails on the request and on the planned changes, quotas over the team's requests,
what the scanner found, and the pipeline's own findings (a stack that could not be
planned, drift in rendered/, a request the base catalog rejects); then waivers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ssops_ci.config.policies import Policies
from ssops_ci.model.finding import Finding, ScanResult, sort_key
from ssops_ci.model.problems import Problem
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.request import Request
from ssops_ci.stages import guardrails, waivers

INVALID_UNDER_BASE = (
    "the request must be valid under the base branch's catalog and teams; if this PR also changes "
    "templates/ or policies/teams.yaml, land that change first"
)
POLICY_FIX = "the platform team must fix the policy on the base branch; nothing can merge until then"


@dataclass(frozen=True)
class Evidence:
    """What judging one stack needs besides its report and the rules."""

    base_request: Request | None = None  # the head request, valid under the base catalog
    invalid: list[Problem] = field(default_factory=list)  # why the base catalog rejects the head request
    head_request: Request | None = None  # the head request as the head catalog reads it (for waivers)
    team_requests: list[Request] = field(default_factory=list)  # every request of the team at head


def pipeline_finding(stack: str, check_id: str, source: str, message: str, fix: str, **where: object) -> Finding:
    return Finding(
        source=source,
        check_id=check_id,
        severity="critical" if source == "policy" else "high",
        stack=stack,
        message=message,
        remediation=fix,
        blocking=True,
        **where,
    )


def problem_findings(stack: str, problems: list[Problem], check_id: str, source: str, fix: str) -> list[Finding]:
    return [pipeline_finding(stack, check_id, source, p.message, fix, file=p.path, line=p.line) for p in problems]


def _own_findings(s: StackReport) -> list[Finding]:
    """What the pipeline itself says of the stack: it could not be planned, or rendered/ drifted."""
    found = []
    if s.platform_fault:
        fix = f"nothing to change in the request: the platform team fixes {s.platform_fault}, then re-runs the check"
        found.append(pipeline_finding(s.id, "ssops.platform", "platform", s.error or "could not be planned", fix))
    elif s.status == "error":
        fix = "see the error; nothing in this stack can merge until it plans"
        found.append(pipeline_finding(s.id, "ssops.plan-error", "plan", s.error or "could not be planned", fix))
    for line in s.drift:
        fix = "rendered/ is generated: run `ssops-ci render` and commit the result"
        found.append(pipeline_finding(s.id, "ssops.drift", "drift", line, fix, file=line.split(":", 1)[0]))
    return found


def _request_findings(s: StackReport, ev: Evidence, policies: Policies) -> list[Finding]:
    found = problem_findings(s.id, ev.invalid, "ssops.validation", "validation", INVALID_UNDER_BASE)
    req, g = ev.base_request, policies.guardrails
    if req is not None:
        found += guardrails.request_findings(req, s.id, g)
        found += guardrails.quota_findings(req, s.id, ev.team_requests, g)
    return found


def judge_stack(s: StackReport, ev: Evidence, policies: Policies, scan: ScanResult, today: dt.date) -> StackReport:
    found = _own_findings(s) + _request_findings(s, ev, policies)
    found += guardrails.change_findings(s.changes, s.id, s.environment, policies.guardrails)
    found += scan.findings.get(s.id, [])
    update: dict[str, object] = {}
    if s.id in scan.errors:
        update.update(status="error", error=f"{s.id}: {scan.errors[s.id]}")
        fix = "the stack counts as failing until it can be scanned"
        found.append(pipeline_finding(s.id, "ssops.scan-error", "plan", scan.errors[s.id], fix))
    waiver_req = ev.base_request or ev.head_request
    if waiver_req is not None:
        outcome = waivers.apply(waiver_req, s.id, found, policies.guardrails.waivers, today)
        found = outcome.findings
        update.update(
            waivers=[w.model_dump(mode="json") for w in outcome.used],
            needs_platform_approval=outcome.needs_platform_approval,
        )
    return s.model_copy(update={**update, "findings": sorted(found, key=sort_key)})


def judge(
    report: Report, evidence: dict[str, Evidence], policies: Policies, scan: ScanResult, today: dt.date
) -> Report:
    stacks = [judge_stack(s, evidence.get(s.id, Evidence()), policies, scan, today) for s in report.stacks]
    return report.model_copy(update={"stacks": stacks, "checks_passed": scan.passed})


def unjudgeable(report: Report, problems: list[Problem]) -> Report:
    """Without valid base policies every stack is blocked by them, and says which file to fix."""
    stacks = [
        s.model_copy(update={"findings": problem_findings(s.id, problems, "ssops.policy-error", "policy", POLICY_FIX)})
        for s in report.stacks
    ]
    return report.model_copy(update={"stacks": stacks, "policy_errors": [str(p) for p in problems]})


def with_findings(s: StackReport, extra: list[Finding]) -> StackReport:
    return s.model_copy(update={"findings": sorted([*s.findings, *extra], key=sort_key)})
