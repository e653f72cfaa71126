"""The gate: the privileged half of a pull request's evaluation.

It takes a report (made in this process, or uploaded by an unprivileged job), checks what it can
cheaply against the forge (the head and the base did not move, which paths the PR changes), judges
risk again with the base's own rules and the PR's real author, counts approvals, and publishes the
comment, the check and the labels. It merges, at the evaluated SHA, only what the tier allows and
GitHub's other required checks let through; a refusal is shown with GitHub's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssops_ci.app.evaluate import load_policies
from ssops_ci.app.revision import load_revision
from ssops_ci.config.risk_rules import RiskRules
from ssops_ci.config.teams import Teams
from ssops_ci.model.forge import (
    APPLY_WORKFLOW,
    RISK_CONTEXT,
    RISK_LABEL_PREFIX,
    GateState,
    MergeResult,
    PullRequest,
)
from ssops_ci.model.problems import ForgeError, SsopsError
from ssops_ci.model.report import Report
from ssops_ci.model.risk import Approvals, Author
from ssops_ci.ports import AuditTrail, Forge, Repository
from ssops_ci.stages import comment, decision, gate, readiness, risk
from ssops_ci.stages.comment import APPLY_MARKER
from ssops_ci.stages.decision import count_approvals, status_for


@dataclass
class Outcome:
    pr: PullRequest
    report: Report
    state: GateState
    description: str
    merge: MergeResult | None = None
    approvals: Approvals | None = None
    reevaluated: int = 0
    stale: str | None = None  # "head" or "base": the report is for an older commit; nothing was published


@dataclass(frozen=True)
class BaseRules:
    """What the base revision says about risk and who may approve (None: it is invalid, so nothing merges)."""

    rules: RiskRules | None
    teams: Teams | None
    error: str | None


def base_rules(repository: Repository, sha: str) -> BaseRules:
    base = load_revision(repository.tree(sha))
    policies = load_policies(base)
    rules = policies.risk if not isinstance(policies, list) else None
    return BaseRules(rules, base.setup.teams if base.setup else None, base.error)


def audit_fields(pr: PullRequest, report: Report, approvals: Approvals | None) -> dict[str, Any]:
    """What the metrics need of an evaluation: tier and why, cost per team, what blocked, who approved."""
    d, r = report.decision, report.risk
    team_deltas: dict[str, float] = {}
    for s in report.stacks:
        if s.cost is not None:
            team_deltas[s.team] = round(team_deltas.get(s.team, 0.0) + s.cost.monthly_delta, 2)
    fields: dict[str, Any] = {
        "tier": r.tier if r else None,
        "reasons": r.reasons[:10] if r else [],
        "monthly_delta": report.cost.monthly_delta if report.cost else None,
        "team_deltas": team_deltas,
        "stacks": [s.id for s in report.stacks],
        "required": d.required_reviewers if d else [],
        "auto_merge": d.auto_merge if d else False,
        "blocking_checks": report.blocking_checks,
        "title": pr.title,
        "draft": pr.draft,
    }
    if approvals is not None:
        fields.update(approved=approvals.approved, missing=approvals.missing, ignored=approvals.ignored)
    return fields


class Gate:
    def __init__(
        self,
        forge: Forge,
        repository: Repository,
        audit: AuditTrail,
        *,
        report_url: str | None = None,
    ) -> None:
        self.forge = forge
        self.repository = repository
        self.audit = audit
        self.report_url = report_url

    def staleness(self, pr: PullRequest, report: Report) -> str | None:
        """Why `report` no longer judges `pr`: its head moved, or its base branch did."""
        if report.head != pr.head_sha:
            return "head"
        if report.base != self.forge.base_tip(pr.base_ref):
            return "base"
        return None

    def judged(self, pr: PullRequest, report: Report, base: BaseRules) -> Report:
        """Risk and decision again, from the base's rules, the PR's real author and the forge's list of paths."""
        checked = gate.verified(report, self.forge.changed_paths(pr.number))
        author = Author(login=pr.author, is_fork=pr.is_fork)
        assessed = risk.assess(checked, base.rules, author, base.teams)
        return decision.decided(assessed, base.teams, base.error, draft=pr.draft)

    def _approvals(self, pr: PullRequest, report: Report, base: BaseRules) -> Approvals | None:
        d, r = report.decision, report.risk
        if r is None or d is None or r.tier not in ("medium", "high") or base.teams is None:
            return None
        reviews = self.forge.reviews(pr.number)
        writers = {u.lower() for u in decision.reviewers(reviews) if self.forge.can_write(u)}
        return count_approvals(reviews, pr.head_sha, pr.author, d.approver_teams, base.teams, writers)

    def publish(
        self, pr: PullRequest, report: Report, approvals: Approvals | None, event: str
    ) -> tuple[GateState, str]:
        state, description = status_for(report, approvals)
        approved = approvals.approvers if approvals and approvals.satisfied else None
        body = comment.render(report, report_url=self.report_url, approved_by=approved)
        self.forge.upsert_comment(pr.number, body, comment.MARKER)
        d = report.decision
        summary = d.next_step if d else description
        self.forge.set_gate(pr.head_sha, RISK_CONTEXT, state, description, summary, self.report_url)
        tier = report.risk.tier if report.risk else "blocked"
        self.forge.set_labels(pr.number, [f"{RISK_LABEL_PREFIX}{tier}"], RISK_LABEL_PREFIX)
        self.audit.emit(event, pr=pr.number, sha=pr.head_sha, actor=pr.author, **audit_fields(pr, report, approvals))
        if event == "evaluate" and d and d.required_reviewers and not (approvals and approvals.satisfied):
            self._ask_reviewers(pr, d.required_reviewers)
        return state, description

    def _ask_reviewers(self, pr: PullRequest, reviewers: list[str]) -> None:
        # GitHub refuses team review requests from a token that cannot see the org's teams (the Actions
        # token); the comment already names who must approve, so a refusal is noted, not fatal.
        try:
            self.forge.request_reviewers(pr.number, reviewers, [])
        except ForgeError as e:
            self.audit.emit("review-request-failed", pr=pr.number, sha=pr.head_sha, reason=str(e))

    def decide(self, number: int, report: Report, event: str = "evaluate") -> Outcome:
        """Judge and publish; merge when allowed. A stale report is left alone (`Outcome.stale` says why)."""
        pr = self.forge.get_pr(number)
        if pr.state != "open":
            raise SsopsError(f"pull request #{number} is {pr.state}; nothing to {event}")
        stale = self.staleness(pr, report)
        if stale:
            return Outcome(pr, report, "pending", f"the {stale} moved since this evaluation", stale=stale)
        base = base_rules(self.repository, report.base)
        report = self.judged(pr, report, base)
        approvals = self._approvals(pr, report, base)
        ready = status_for(report, approvals)[0] == "success" and not pr.draft
        waiting = self._waiting(pr) if ready else []
        if waiting:
            approved = approvals.approvers if approvals and approvals.satisfied else None
            report = decision.waiting(report, waiting, approved)
        state, description = self.publish(pr, report, approvals, event)
        outcome = Outcome(pr, report, state, description, approvals=approvals)
        if waiting:
            # Merging is GitHub's to refuse until they pass; the check suite finishing brings us back.
            outcome.merge = MergeResult(merged=False, message=f"waiting for required checks: {', '.join(waiting)}")
        elif ready:
            outcome.merge = self._merge(pr, outcome)
        return outcome

    # ------------------------------------------------------------------ merging

    def _waiting(self, pr: PullRequest) -> list[str]:
        return readiness.waiting_for(
            self.forge.required_checks(pr.base_ref), self.forge.check_states(pr.head_sha), RISK_CONTEXT
        )

    def _moved(self, pr: PullRequest, report: Report) -> MergeResult | None:
        """Just before merging: the head and the base must still be what was evaluated."""
        fresh = self.forge.get_pr(pr.number)
        moved = self.staleness(fresh, report)
        if moved is None:
            return None
        return MergeResult(merged=False, head_moved=True, message=f"the {moved} moved since the evaluation")

    def _merge(self, pr: PullRequest, outcome: Outcome) -> MergeResult:
        result = self._moved(pr, outcome.report) or self.forge.merge(pr.number, pr.head_sha, pr.title)
        self.audit.emit(
            "merge",
            pr=pr.number,
            sha=pr.head_sha,
            merged=result.merged,
            merge_sha=result.sha,
            message=result.message,
            head_moved=result.head_moved,
            refused=result.refused,
        )
        if result.refused:
            self._refused(pr, outcome, result.message)
        if result.merged and result.sha and not self.forge.identity().triggers_workflows:
            self._dispatch_apply(pr, result.sha)
        return result

    def _refused(self, pr: PullRequest, outcome: Outcome, reason: str) -> None:
        outcome.report = decision.refused(outcome.report, reason)
        outcome.state, outcome.description = self.publish(pr, outcome.report, outcome.approvals, "merge-refused")

    def _dispatch_apply(self, pr: PullRequest, sha: str) -> None:
        """A merge made with the Actions token starts no workflow: start the apply by hand, once.

        The merge already happened, so a refusal here is reported (the audit trail, the drift check and
        the apply's own status will show the commit unapplied), never raised over the merge."""
        try:
            self.forge.dispatch(APPLY_WORKFLOW, pr.base_ref, {"sha": sha})
        except ForgeError as e:
            self.audit.emit("apply-dispatch-failed", pr=pr.number, sha=sha, workflow=APPLY_WORKFLOW, reason=str(e))
            self.forge.upsert_comment(
                pr.number,
                f"{APPLY_MARKER}\n## ⚠️ Merged, but the apply could not be started\n\nGitHub refused to start "
                f"`{APPLY_WORKFLOW}` for `{sha}`: {e}\n\nStart it by hand (Actions > {APPLY_WORKFLOW} > Run "
                "workflow, with this SHA), or run `ssops-ci doctor`.\n",
                APPLY_MARKER,
            )
            return
        self.audit.emit("apply-dispatched", pr=pr.number, sha=sha, workflow=APPLY_WORKFLOW)
