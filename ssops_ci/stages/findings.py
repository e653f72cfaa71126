"""The fourth stage: findings for every planned stack, judged by the base revision's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ssops_ci.adapters.checkov import CheckovScanner, Scanner
from ssops_ci.adapters.git import GitTree
from ssops_ci.app.plan import Planned, Prepared
from ssops_ci.config import policies as policyset
from ssops_ci.config.policies import PolicySet
from ssops_ci.model.finding import Finding, sort_key
from ssops_ci.model.problems import InputError, Problem, SsopsError
from ssops_ci.stages import guardrails, waivers
from ssops_ci.stages import validate as requests
from ssops_ci.stages.validate import Request


def _pipeline_finding(stack: str, check_id: str, source: str, message: str, fix: str, **where: object) -> Finding:
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


def _problem_findings(stack: str, problems: list[Problem], check_id: str, source: str, fix: str) -> list[Finding]:
    return [_pipeline_finding(stack, check_id, source, p.message, fix, file=p.path, line=p.line) for p in problems]


def load_policies(planned: Planned) -> tuple[PolicySet | None, list[Problem]]:
    base = planned.base
    if base.gate is None:
        return None, [Problem("policies/", 1, 1, f"the base revision's catalog or policies are invalid:\n{base.error}")]
    try:
        policies = policyset.load(base.tree)
    except InputError as e:
        return None, e.problems
    problems = guardrails.check_rules_against_catalog(policies.guardrails, base.gate.catalog)
    return (None, problems) if problems else (policies, [])


def _base_validated(p: Prepared, planned: Planned) -> tuple[Request | None, list[Finding]]:
    """Re-validate the head request against the base catalog: a PR cannot widen its own schema."""
    req = p.after.request
    base_gate = planned.base.gate
    if req is None or base_gate is None:
        return None, []
    data = planned.head.tree.read(req.path) or b""
    try:
        return requests.parse(req.path, data, base_gate.catalog, base_gate.teams), []
    except InputError as e:
        fix = (
            "the request must be valid under the base branch's catalog and teams; if this PR also changes "
            "templates/ or policies/teams.yaml, land that change first"
        )
        return None, _problem_findings(p.report.id, e.problems, "ssops.validation", "validation", fix)


def _team_requests(planned: Planned, team: str, cache: dict[str, list[Request]]) -> list[Request]:
    if team not in cache:
        tree: GitTree = planned.head.tree
        base_gate = planned.base.gate
        assert base_gate is not None
        loaded = requests.load_all(tree, base_gate.catalog, base_gate.teams, list(tree.files(f"requests/{team}")))
        cache[team] = loaded.requests
    return cache[team]


def evaluate(planned: Planned, *, today: dt.date | None = None, scanner: Scanner | None = None) -> PolicySet | None:
    """Fill `findings` (and waiver status) on every stack of `planned.report`, in place.

    Returns the base revision's policies for the later stages, or None when they are invalid (then every
    stack carries a blocking policy-error finding)."""
    today = today or dt.date.today()
    report = planned.report
    policies, problems = load_policies(planned)
    if policies is None:
        fix = "the platform team must fix the policy on the base branch; nothing can merge until then"
        for s in report.stacks:
            s.findings = _problem_findings(s.id, problems, "ssops.policy-error", "policy", fix)
        report.policy_errors = [str(p) for p in problems]
        return None
    assert planned.base.gate is not None
    g = policies.guardrails
    to_scan = [p.after.stack for p in planned.stacks.values() if p.after.stack is not None]
    scan = (scanner or CheckovScanner(policies, planned.base.gate.catalog)).scan(to_scan)
    team_cache: dict[str, list[Request]] = {}
    for s in report.stacks:
        p = planned.stacks[s.id]
        found: list[Finding] = []
        if s.status == "error":
            found.append(
                _pipeline_finding(
                    s.id,
                    "ssops.plan-error",
                    "plan",
                    s.error or "could not be planned",
                    "see the error; nothing in this stack can merge until it plans",
                )
            )
        for line in s.drift:
            path = line.split(":", 1)[0]
            found.append(
                _pipeline_finding(
                    s.id,
                    "ssops.drift",
                    "drift",
                    line,
                    "rendered/ is generated: run `ssops-ci render` and commit the result",
                    file=path,
                )
            )
        req, invalid = _base_validated(p, planned)
        found += invalid
        if req is not None:
            found += guardrails.request_findings(req, s.id, g)
            found += guardrails.quota_findings(req, s.id, _team_requests(planned, req.team, team_cache), g)
        found += guardrails.change_findings(s.changes, s.id, s.environment, g)
        found += scan.findings.get(s.id, [])
        if s.id in scan.errors:
            s.status = "error"
            s.error = f"{s.id}: {scan.errors[s.id]}"
            found.append(
                _pipeline_finding(
                    s.id,
                    "ssops.scan-error",
                    "plan",
                    scan.errors[s.id],
                    "the stack counts as failing until it can be scanned",
                )
            )
        waiver_req = req or p.after.request
        if waiver_req is not None:
            outcome = waivers.apply(waiver_req, s.id, found, g.waivers, today)
            found = outcome.findings
            s.waivers = [w.model_dump(mode="json") for w in outcome.used]
            s.needs_platform_approval = outcome.needs_platform_approval
        s.findings = sorted(found, key=sort_key)
    report.checks_passed = scan.passed
    return policies


def budget_hook(planned: Planned, policies: PolicySet) -> Callable[..., dict[str, list[Finding]]]:
    """What the cost stage calls with each team's totals (kept here so the rules stay in one place)."""

    def hook(team: str, before: float, after: float, stacks: list[str]) -> dict[str, list[Finding]]:
        gate = planned.base.gate
        if gate is None or team not in gate.teams.teams:
            return {}
        budget = gate.teams.teams[team].monthly_budget_usd
        return guardrails.budget_findings(team, before, after, budget, stacks, policies.guardrails)

    return hook


def require_policies(planned: Planned) -> PolicySet:
    policies, problems = load_policies(planned)
    if policies is None:
        raise SsopsError("base policies are invalid:\n" + "\n".join(str(p) for p in problems))
    return policies
