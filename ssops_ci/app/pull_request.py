"""The pull-request use case: evaluate a PR, count approvals, merge at the evaluated SHA.

Decisions are stages (risk, decision); this module only sequences them with the forge,
the audit trail and the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssops_ci.app.evaluate import Evaluation
from ssops_ci.model.forge import RISK_CONTEXT, RISK_LABEL_PREFIX, MergeResult, PullRequest, StatusState
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Report
from ssops_ci.model.risk import Approvals, Author
from ssops_ci.ports import AuditTrail, Forge, Repository, Store
from ssops_ci.stages import comment
from ssops_ci.stages.decision import count_approvals, status_for

Evaluator = Callable[[str, str, Author], Evaluation]  # base SHA, head SHA, who opened it


@dataclass
class Outcome:
    pr: PullRequest
    report: Report
    state: StatusState
    description: str
    merge: MergeResult | None = None
    approvals: Approvals | None = None
    reevaluated: int = 0


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
    }
    if approvals is not None:
        fields.update(approved=approvals.approved, missing=approvals.missing, ignored=approvals.ignored)
    return fields


class PullRequests:
    def __init__(
        self,
        repository: Repository,
        forge: Forge,
        evaluator: Evaluator,
        audit: AuditTrail,
        *,
        store: Store | None = None,
        report_url: str | None = None,
        max_reevaluations: int = 3,
    ) -> None:
        self.repository = repository
        self.forge = forge
        self.evaluator = evaluator
        self.audit = audit
        self.store = store  # keeps the full report behind the comment's "full report" link
        self.report_url = report_url
        self.max_reevaluations = max_reevaluations

    def evaluate(self, number: int) -> Outcome:
        """On PR opened/synchronize/reopened: comment, status, labels, reviewers; merge when allowed."""
        return self._cycle(number, "evaluate")

    def review(self, number: int) -> Outcome:
        """On review submitted/dismissed (or a re-run): count approvals of the current head, then merge."""
        return self._cycle(number, "review")

    # ------------------------------------------------------------------ one cycle

    def _require(self, sha: str, what: str) -> None:
        if not self.repository.has_commit(sha):
            raise SsopsError(
                f"the PR's {what} commit {sha[:12]} is not in {self.repository.root}; fetch it first "
                "(`git fetch origin refs/pull/N/head` in Actions)"
            )

    def _evaluation(self, pr: PullRequest) -> Evaluation:
        self._require(pr.base_sha, "base")
        self._require(pr.head_sha, "head")
        return self.evaluator(pr.base_sha, pr.head_sha, Author(login=pr.author, is_fork=pr.is_fork))

    def _approvals(self, pr: PullRequest, ev: Evaluation) -> Approvals | None:
        d, r = ev.report.decision, ev.report.risk
        if r is None or d is None or r.tier not in ("medium", "high") or ev.teams is None:
            return None
        return count_approvals(self.forge.reviews(pr.number), pr.head_sha, pr.author, d.approver_teams, ev.teams)

    def _publish(
        self, pr: PullRequest, report: Report, state: StatusState, description: str, approvals: Approvals | None
    ) -> None:
        if self.store is not None:
            self.store.save_report(f"pr-{pr.number}-{pr.head_sha[:12]}.json", report.to_json())
        approved = approvals.approvers if approvals and approvals.satisfied else None
        body = comment.render(report, report_url=self.report_url, approved_by=approved)
        self.forge.upsert_comment(pr.number, body, comment.MARKER)
        self.forge.set_status(pr.head_sha, RISK_CONTEXT, state, description, self.report_url)
        tier = report.risk.tier if report.risk else "blocked"
        self.forge.set_labels(pr.number, [f"{RISK_LABEL_PREFIX}{tier}"], RISK_LABEL_PREFIX)

    def _others_green(self, pr: PullRequest) -> tuple[bool, str]:
        required = [c for c in self.forge.required_contexts(pr.base_ref) if c != RISK_CONTEXT]
        if not required:
            return True, ""
        states = self.forge.statuses(pr.head_sha)
        waiting = [c for c in required if states.get(c) != "success"]
        return (not waiting), ", ".join(waiting)

    def _merge(self, pr: PullRequest) -> MergeResult:
        green, waiting = self._others_green(pr)
        if not green:
            return MergeResult(merged=False, message=f"waiting for required checks: {waiting}")
        result = self.forge.merge(pr.number, pr.head_sha, pr.title)
        self.audit.emit(
            "merge",
            pr=pr.number,
            sha=pr.head_sha,
            merged=result.merged,
            merge_sha=result.sha,
            message=result.message,
            head_moved=result.head_moved,
        )
        return result

    def _judge(self, number: int, event: str, reevaluated: int) -> Outcome:
        """Evaluate the PR's current head and tell the forge; no merge yet."""
        pr = self.forge.get_pr(number)
        if pr.state != "open":
            raise SsopsError(f"pull request #{number} is {pr.state}; nothing to {event}")
        ev = self._evaluation(pr)
        report = ev.report
        approvals = self._approvals(pr, ev)
        state, description = status_for(report, approvals)
        self._publish(pr, report, state, description, approvals)
        self.audit.emit(event, pr=pr.number, sha=pr.head_sha, actor=pr.author, **audit_fields(pr, report, approvals))
        d = report.decision
        if event == "evaluate" and d and d.required_reviewers and not (approvals and approvals.satisfied):
            self.forge.request_reviewers(number, d.required_reviewers, [])
        return Outcome(pr, report, state, description, approvals=approvals, reevaluated=reevaluated)

    def _cycle(self, number: int, event: str) -> Outcome:
        """Judge the current head and merge it when the tier allows; a push during the run means judging again,
        never merging what was not judged."""
        outcome: Outcome | None = None
        for reevaluated in range(self.max_reevaluations + 1):
            outcome = self._judge(number, event, reevaluated)
            if outcome.state != "success":
                return outcome
            outcome.merge = self._merge(outcome.pr)
            if not outcome.merge.head_moved:
                return outcome
        assert outcome is not None
        return outcome
