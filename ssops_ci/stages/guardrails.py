"""Org guardrails on requests and planned changes (rules from policies/guardrails.yaml at base)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ssops_ci.config.guardrails import Guardrails, ParamRule, Quota
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.finding import Finding, Severity
from ssops_ci.model.fmt import money
from ssops_ci.model.layout import GUARDRAILS
from ssops_ci.model.request import Request


def shown(value: Any) -> str:
    """A value as the developer wrote it in YAML (true, not True)."""
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _violation(rule: ParamRule, value: Any) -> str | None:
    if rule.allowed is not None and value not in rule.allowed:
        return f"allowed: {', '.join(shown(a) for a in rule.allowed)}"
    if rule.min is not None and isinstance(value, int | float) and value < rule.min:
        return f"the minimum is {rule.min:g}"
    if rule.max is not None and isinstance(value, int | float) and value > rule.max:
        return f"the maximum is {rule.max:g}"
    if "equals" in rule.model_fields_set and value != rule.equals:
        return f"it must be {shown(rule.equals)}"
    if rule.pattern is not None and not (isinstance(value, str) and re.fullmatch(rule.pattern, value)):
        return f"it must match {rule.pattern}"
    return None


def _on_request(
    req: Request, stack: str, field: str, check_id: str, severity: Severity, message: str, fix: str
) -> Finding:
    """A blocking guardrail finding pointing at the request line the developer has to change."""
    return Finding(
        source="guardrail",
        check_id=check_id,
        severity=severity,
        stack=stack,
        file=req.path,
        line=req.position(field)[0],
        message=message,
        remediation=fix,
        blocking=True,
    )


def request_findings(req: Request, stack: str, g: Guardrails) -> list[Finding]:
    out = []
    for scope in ("all", req.environment):
        for param, rule in g.parameters.get(scope, {}).get(req.kind, {}).items():  # type: ignore[call-overload]
            value = req.spec.get(param)
            why = _violation(rule, value)
            if why is None:
                continue
            where = "any environment" if scope == "all" else req.environment
            out.append(
                _on_request(
                    req,
                    stack,
                    f"spec.{param}",
                    f"guardrail.param.{scope}.{req.kind}.{param}",
                    rule.severity,
                    f"spec.{param}: {shown(value)} is not allowed for {req.kind} in {where} ({why})",
                    rule.message or f"change spec.{param} in {req.path}: {why}",
                )
            )
    meta_values = {"costCenter": req.cost_center, "description": req.description}
    for name, mrule in g.metadata.items():
        value = meta_values[name]
        if not re.fullmatch(mrule.pattern, value):
            out.append(
                _on_request(
                    req,
                    stack,
                    f"metadata.{name}",
                    f"guardrail.metadata.{name}",
                    "medium",
                    f"metadata.{name} {value!r} does not match {mrule.pattern}",
                    mrule.message,
                )
            )
    words = set(req.name.split("-")) & {w.lower() for w in g.naming.reserved_words}
    if words:
        out.append(
            _on_request(
                req,
                stack,
                "metadata.name",
                "guardrail.naming.reserved",
                "medium",
                f"metadata.name {req.name!r} uses reserved word(s): {', '.join(sorted(words))}",
                g.naming.message,
            )
        )
    return out


def _applies(q: Quota, req: Request) -> bool:
    return q.kind == req.kind and q.environment in ("all", req.environment)


def quota_findings(req: Request, stack: str, team_requests: Iterable[Request], g: Guardrails) -> list[Finding]:
    """`team_requests`: every request of the team at head, this one included."""
    out = []
    team = list(team_requests)
    for q in g.quotas:
        if not _applies(q, req):
            continue
        count = sum(1 for r in team if _applies(q, r))
        if count > q.max_per_team:
            env = "all environments" if q.environment == "all" else q.environment
            out.append(
                _on_request(
                    req,
                    stack,
                    "kind",
                    f"guardrail.quota.{q.kind}.{q.environment}",
                    "high",
                    f"team {req.team} would run {count} {q.kind} in {env}; the quota is {q.max_per_team}",
                    q.message
                    or f"consolidate, or remove an unused {q.kind}; a higher quota is a change to {GUARDRAILS}",
                )
            )
    return out


def change_findings(changes: list[ResourceChange], stack: str, environment: str, g: Guardrails) -> list[Finding]:
    out = []
    for rule in g.destroy:
        if environment not in rule.environments:
            continue
        for c in changes:
            if c.action not in ("delete", "replace") or (rule.holds_data and not c.holds_data):
                continue
            verb = "destroys" if c.action == "delete" else "replaces (destroys, then re-creates)"
            because = f" because {', '.join(c.replace_because)} changed" if c.replace_because else ""
            out.append(
                Finding(
                    source="guardrail",
                    check_id=f"guardrail.destroy.{environment}",
                    severity=rule.severity,
                    stack=stack,
                    resource=c.address,
                    file=c.file,
                    line=c.line,
                    message=f"{verb} {c.address}{because}: {rule.message}",
                    remediation="make sure the data is backed up or migrated; the platform team must approve",
                    blocking=rule.blocking,
                )
            )
    return out


def budget_findings(
    team: str,
    before: float,
    after: float,
    budget: float | None,
    stacks: list[str],
    g: Guardrails,
) -> dict[str, list[Finding]]:
    """The hook the cost stage fills: a team crossing its monthly budget, on the stacks that add cost."""
    if budget is None or after <= before or not stacks:
        return {}
    warn = budget * g.budgets.warn_at_percent / 100
    if after <= warn:
        return {}
    over = after > budget
    finding = Finding(
        source="budget",
        check_id="guardrail.budget",
        severity=g.budgets.severity if over else "low",
        stack=stacks[0],
        message=(
            f"team {team} would spend {money(after)}/month against a budget of {money(budget)} "
            f"({money(before)} before this change)"
        ),
        remediation=(
            "choose smaller sizes or remove unused resources, or ask the platform team to raise the budget "
            "in policies/teams.yaml"
            if over
            else f"this is over {g.budgets.warn_at_percent:g}% of the budget; nothing blocks yet"
        ),
        blocking=over and g.budgets.blocking,
    )
    return {s: [finding.model_copy(update={"stack": s})] for s in stacks}
