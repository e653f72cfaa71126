"""The pull-request loop: evaluate a PR, count approvals, merge at the evaluated SHA.

The decisions here are pure functions of data (report, reviews, teams); the
side effects go through the Forge protocol.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import git

from ssops_ci.app import evaluate as pipeline
from ssops_ci.app.plan import Planned
from ssops_ci.config.teams import Teams
from ssops_ci.model.forge import RISK_CONTEXT, RISK_LABEL_PREFIX, Forge, MergeResult, PullRequest, Review, StatusState
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Report
from ssops_ci.model.risk import Risk, rank
from ssops_ci.stages import comment, risk


class Audit(Protocol):
    def emit(self, event: str, **fields: Any) -> object: ...


class NoAudit:
    def emit(self, event: str, **fields: Any) -> object:
        return None


# ----------------------------------------------------------------------------- pure decisions


def escalate(report: Report, author: str, is_fork: bool, teams: Teams) -> None:
    """Who opened the PR matters: outsiders and other teams' members never auto-merge."""
    member_of = set(teams.teams_of(author))
    platform = teams.platform_team in member_of
    for s in report.stacks:
        if s.risk is None or s.risk.tier != "low":
            continue
        why = None
        if is_fork:
            why = f"{s.id}: the pull request comes from a fork"
        elif not member_of:
            why = f"{s.id}: the author {author} is not in any team in policies/teams.yaml"
        elif s.team not in member_of and not platform:
            why = f"{s.id}: the author {author} is not a member of the owning team {s.team}"
        if why:
            s.risk = Risk(tier="medium", reasons=[why, *s.risk.reasons], rules=["author", *s.risk.rules])
    top = max((s.risk for s in report.stacks if s.risk), key=lambda r: rank(r.tier), default=None)
    if report.risk and top and rank(top.tier) > rank(report.risk.tier):
        reasons = [r for s in report.stacks if s.risk and s.risk.tier == top.tier for r in s.risk.reasons[:1]]
        report.risk = Risk(tier=top.tier, reasons=[*reasons, *report.risk.reasons], rules=report.risk.rules)
    if report.risk:
        report.decision = risk.decide(report, report.risk, teams)


@dataclass
class Approvals:
    satisfied: bool
    approved: dict[str, list[str]] = field(default_factory=dict)  # team -> approvers that count
    missing: list[str] = field(default_factory=list)  # teams still to approve
    ignored: list[str] = field(default_factory=list)  # why some reviews did not count
    changes_requested: list[str] = field(default_factory=list)


def count_approvals(reviews: list[Review], head_sha: str, author: str, required: list[str], teams: Teams) -> Approvals:
    """Each required team needs an approval of the current head by one of its members, not the author."""
    latest: dict[str, Review] = {}
    for r in reviews:  # GitHub semantics: a user's latest approving/blocking review is their verdict
        if r.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[r.user.lower()] = r
    counted: dict[str, list[str]] = {t: [] for t in required}
    out = Approvals(satisfied=False)
    for user, r in sorted(latest.items()):
        if r.state == "DISMISSED":
            out.ignored.append(f"{r.user}: review dismissed")
            continue
        if user == author.lower():
            out.ignored.append(f"{r.user}: authors cannot approve their own pull request")
            continue
        if r.commit_id != head_sha:
            out.ignored.append(f"{r.user}: reviewed {str(r.commit_id)[:12]}, not the current head {head_sha[:12]}")
            continue
        teams_of = set(teams.teams_of(r.user))
        if r.state == "CHANGES_REQUESTED":
            out.changes_requested.append(r.user)
            continue
        matched = [t for t in required if t in teams_of]
        if not matched:
            out.ignored.append(f"{r.user}: not a member of {', '.join(required) or 'a required team'}")
        for t in matched:
            counted[t].append(r.user)
    out.approved = {t: users for t, users in counted.items() if users}
    out.missing = [t for t in required if not counted[t]]
    out.satisfied = not out.missing and not out.changes_requested
    return out


def status_for(report: Report, approvals: Approvals | None = None) -> tuple[StatusState, str]:
    d, r = report.decision, report.risk
    if d is None or r is None:
        return "error", "ssops-ci could not decide"
    if r.tier == "blocked":
        return "failure", f"blocked: {d.blocked_by[0] if d.blocked_by else 'see the comment'}"
    if r.tier == "low":
        return "success", "low risk: merges and applies automatically"
    if approvals and approvals.satisfied:
        who = ", ".join(sorted({u for users in approvals.approved.values() for u in users}))
        return "success", f"{r.tier} risk: approved by {who}"
    waiting = " and ".join(d.required_reviewers)
    return "pending", f"{r.tier} risk: waiting for approval from {waiting}"


# ----------------------------------------------------------------------------- side effects


@dataclass
class Outcome:
    pr: PullRequest
    report: Report
    state: StatusState
    description: str
    merge: MergeResult | None = None
    approvals: Approvals | None = None
    reevaluated: int = 0


Evaluator = Callable[[git.Repo, str, str], Planned]


def default_evaluator(repo: git.Repo, base: str, head: str) -> Planned:
    return pipeline.evaluate(repo, base, head, today=dt.date.today())


def _require_commit(repo: git.Repo, sha: str, what: str) -> None:
    try:
        repo.commit(sha)
    except (ValueError, git.BadName):
        raise SsopsError(
            f"the PR's {what} commit {sha[:12]} is not in {repo.working_dir}; fetch it first "
            "(`git fetch origin refs/pull/N/head` in Actions)"
        ) from None


class Loop:
    def __init__(
        self,
        repo: git.Repo,
        forge: Forge,
        *,
        evaluator: Evaluator = default_evaluator,
        audit: Audit | None = None,
        report_url: str | None = None,
        max_reevaluations: int = 3,
        reports: Path | None = None,
    ) -> None:
        self.repo = repo
        self.forge = forge
        self.evaluator = evaluator
        self.audit = audit or NoAudit()
        self.report_url = report_url
        self.max_reevaluations = max_reevaluations
        # The full report, for the comment's "full report" link (uploaded as an artifact in Actions).
        self.reports = reports or (Path(repo.working_dir) / ".ssops" / "reports" if not repo.bare else None)

    def _evaluate(self, pr: PullRequest) -> tuple[Report, Teams | None]:
        _require_commit(self.repo, pr.base_sha, "base")
        _require_commit(self.repo, pr.head_sha, "head")
        planned = self.evaluator(self.repo, pr.base_sha, pr.head_sha)
        report, gate = planned.report, planned.base.gate
        if gate is None:  # the pipeline already blocked everything; there is nobody to escalate to
            return report, None
        escalate(report, pr.author, pr.is_fork, gate.teams)
        return report, gate.teams

    def _publish(
        self, pr: PullRequest, report: Report, state: StatusState, description: str, approvals: Approvals | None = None
    ) -> None:
        if self.reports is not None:
            self.reports.mkdir(parents=True, exist_ok=True)
            (self.reports / f"pr-{pr.number}-{pr.head_sha[:12]}.json").write_text(report.to_json(), encoding="utf-8")
        approved = (
            sorted({u for users in approvals.approved.values() for u in users})
            if approvals and approvals.satisfied
            else None
        )
        body = comment.render(report, report_url=self.report_url, approved_by=approved)
        self.forge.upsert_comment(pr.number, body, comment.MARKER)
        self.forge.set_status(pr.head_sha, RISK_CONTEXT, state, description, self.report_url)
        tier = report.risk.tier if report.risk else "blocked"
        self.forge.set_labels(pr.number, [f"{RISK_LABEL_PREFIX}{tier}"], RISK_LABEL_PREFIX)

    def _record(self, event: str, pr: PullRequest, report: Report, approvals: Approvals | None = None) -> None:
        """What the metrics need: tier and why, cost per team, what blocked, who approved."""
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
            "blocking_checks": sorted({f.check_id for s in report.stacks for f in s.findings if f.blocking}),
            "title": pr.title,
        }
        if approvals is not None:
            fields.update(approved=approvals.approved, missing=approvals.missing, ignored=approvals.ignored)
        self.audit.emit(event, pr=pr.number, sha=pr.head_sha, actor=pr.author, **fields)

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

    def evaluate(self, number: int) -> Outcome:
        """On PR opened/synchronize/reopened: comment, status, labels, reviewers; merge when allowed."""
        return self._cycle(number, "evaluate")

    def review(self, number: int) -> Outcome:
        """On review submitted/dismissed (or a re-run): count approvals of the current head, then merge."""
        return self._cycle(number, "review")

    def _cycle(self, number: int, event: str) -> Outcome:
        """Judge the current head and merge it when the tier allows; a push during the run means judging again,
        never merging what was not judged."""
        outcome: Outcome | None = None
        for reevaluated in range(self.max_reevaluations + 1):
            pr = self.forge.get_pr(number)
            if pr.state != "open":
                raise SsopsError(f"pull request #{number} is {pr.state}; nothing to {event}")
            report, teams = self._evaluate(pr)
            d, risk_ = report.decision, report.risk
            assert d is not None and risk_ is not None
            approvals = None
            if risk_.tier in ("medium", "high") and teams is not None:
                approvals = count_approvals(self.forge.reviews(number), pr.head_sha, pr.author, d.approver_teams, teams)
            state, description = status_for(report, approvals)
            self._publish(pr, report, state, description, approvals)
            self._record(event, pr, report, approvals)
            if event == "evaluate" and d.required_reviewers and not (approvals and approvals.satisfied):
                self.forge.request_reviewers(number, d.required_reviewers, [])
            outcome = Outcome(pr, report, state, description, approvals=approvals, reevaluated=reevaluated)
            if state != "success":
                return outcome
            outcome.merge = self._merge(pr)
            if not outcome.merge.head_moved:
                return outcome
        assert outcome is not None
        return outcome
