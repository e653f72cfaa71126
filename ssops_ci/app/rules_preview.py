"""A rules change judged the other way: what the pull request's guardrails and risk rules would say of the
requests already merged.

The gate judges a pull request by the base's rules, so a rules change is judged by the rules it replaces.
Its reviewers also need the consequence: every merged request, judged as if it were proposed again today
(a create), once under the base's rules and once under the head's; each whose tier changes is listed.
Checks under policies/checkov/ are code from the pull request: never run, so never previewed.
"""

from __future__ import annotations

import datetime as dt
import logging

from ssops_ci.app.revision import Revision, side
from ssops_ci.config.policies import Policies
from ssops_ci.model.finding import ScanResult
from ssops_ci.model.layout import GUARDRAILS, REQUESTS, RISK, is_request_file
from ssops_ci.model.plan import Prepared, Side, Touched
from ssops_ci.model.report import Report, RulesPreview, StackReport, TierShift
from ssops_ci.model.request import Request
from ssops_ci.model.risk import Risk
from ssops_ci.stages import cost, diff, findings, plan, risk
from ssops_ci.stages.findings import Evidence

log = logging.getLogger(__name__)

PREVIEWED = (GUARDRAILS, RISK)
SHOWN_REASONS = 2


def _proposed(base: Revision, path: str) -> Prepared | None:
    """The merged request at `path` as a pull request adding it today would show it; None if it no longer
    renders (then it is not judged, and counted)."""
    after = side(base, path, "base")
    if after.stack is None or after.request is None or base.setup is None:
        return None
    t = Touched(id=after.request.stack_id, reasons=frozenset({"request-added"}), head_path=path)
    p = plan.prepare(t, path, Side(), after, [], [base.setup.catalog])
    if p.job is None:
        return None
    changes = plan.located(diff.plan(p.job), p.job)
    return p.model_copy(update={"report": p.report.model_copy(update={"changes": changes})})


def _evidence(prepared: list[Prepared]) -> dict[str, Evidence]:
    """Each request with its team's requests (quotas), from the requests already parsed: each file is read
    once. A merged request that no longer renders is not counted (there are none on a gated branch)."""
    requests = [p.after.request for p in prepared if p.after.request is not None]
    teams: dict[str, list[Request]] = {}
    for req in requests:
        teams.setdefault(req.team, []).append(req)
    return {
        req.stack_id: Evidence(base_request=req, head_request=req, team_requests=teams[req.team]) for req in requests
    }


def _tiers(report: Report, evidence: dict[str, Evidence], policies: Policies, today: dt.date) -> dict[str, Risk]:
    judged = findings.judge(report, evidence, policies, ScanResult(), today)
    return {s.id: risk.assess_stack(s, policies.risk) for s in judged.stacks}


def _shifts(stacks: list[StackReport], before: dict[str, Risk], after: dict[str, Risk]) -> list[TierShift]:
    return [
        TierShift(
            request=s.request,
            before=before[s.id].tier,
            after=after[s.id].tier,
            reasons=after[s.id].reasons[:SHOWN_REASONS],
        )
        for s in stacks
        if before[s.id].tier != after[s.id].tier
    ]


def preview(
    report: Report,
    base: Revision,
    base_policies: Policies,
    head_policies: Policies,
    pricing: cost.Pricing | None,
    today: dt.date,
) -> RulesPreview | None:
    """What the head's rules would say of every merged request, when the pull request changes the rules
    (`head_policies`: the pull request's own, valid; an invalid set blocks it before any preview)."""
    files = sorted(p for p in report.governance_paths if p in PREVIEWED)
    if not files or base.setup is None:
        return None
    paths = sorted(p for p in base.tree.files(REQUESTS) if is_request_file(p))
    prepared = [p for p in (_proposed(base, path) for path in paths) if p is not None]
    proposed = Report(
        base=report.base,
        head=report.head,
        merge_base=report.merge_base,
        engine="static",
        stacks=[p.report for p in prepared],
    )
    if pricing is not None:
        proposed = cost.price(proposed, {p.report.id: p for p in prepared}, pricing)
    evidence = _evidence(prepared)
    before = _tiers(proposed, evidence, base_policies, today)
    after = _tiers(proposed, evidence, head_policies, today)
    shifts = _shifts(proposed.stacks, before, after)
    log.info("rules preview: %d merged request(s) judged both ways, %d change tier", len(prepared), len(shifts))
    return RulesPreview(files=files, checked=len(prepared), unrenderable=len(paths) - len(prepared), shifts=shifts)
