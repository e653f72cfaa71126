"""The seventh stage: who has to act next, in one sentence; approvals counted; the gate's status."""

from __future__ import annotations

from collections.abc import Callable

from ssops_ci.config.teams import Teams
from ssops_ci.model.forge import GateState, Review
from ssops_ci.model.report import Report
from ssops_ci.model.risk import Approvals, Decision, Risk, Tier

LOW = "Will merge and apply automatically once the other required checks pass; nobody needs to act."


def next_step(
    tier: Tier,
    *,
    reviewers: list[str],
    blocked_by: list[str],
    approved_by: list[str] | None = None,
    text: Callable[[str], str] = str,
    draft: bool = False,
    refused: str | None = None,
    waiting_for: list[str] | None = None,
    platform_fault: str | None = None,
) -> str:
    """The next step, the one way it is said everywhere. `text` escapes what people wrote (the comment's
    Markdown); reviewers are team mentions from policies/teams.yaml, written as they are so they notify."""
    if refused is not None:
        return (
            f"GitHub refused to merge it: {text(refused)}. Fix what GitHub names, or ask the platform team to "
            "check the branch protection (`ssops-ci doctor`); it is evaluated again on the next push or review."
        )
    if draft and tier != "blocked":
        return "It is a draft: evaluated, but never merged until it is marked ready for review."
    if waiting_for:
        checks = ", ".join(f'"{text(c)}"' for c in waiting_for)
        who = f"approved by {', '.join(text(a) for a in approved_by)}; " if approved_by else ""
        return (
            f"{who.capitalize()}{'w' if who else 'W'}ill merge and apply automatically as soon as the required "
            f"check(s) {checks} pass; nobody needs to act. If one fails, fix it and push again."
        )
    if tier == "low":
        return LOW
    if approved_by:
        return (
            f"Approved by {', '.join(text(a) for a in approved_by)} on this exact commit; merging and applying it now."
        )
    if tier == "blocked" and platform_fault:
        return (
            "Nothing to change in your request: ssops-ci could not plan it because of a platform problem. "
            f"The platform team fixes {text(platform_fault)}; then re-run this check (or push again)."
        )
    if tier == "blocked":
        first = text(blocked_by[0]) if blocked_by else "the problems listed below"
        more = f" (and {len(blocked_by) - 1} more below)" if len(blocked_by) > 1 else ""
        return f"Blocked: fix {first}{more}, then push again."
    label = " (the platform team)" if tier == "high" else ""
    who = " and ".join(reviewers)
    return f"Needs approval from {who}{label} on this exact commit; it then merges and applies by itself."


def blocked_by(report: Report) -> list[str]:
    """What to fix: the developer's own request first, generated files after, the platform's last (without
    the request's path: there is nothing in the request to edit)."""
    found = []
    for s in report.stacks:
        for f in s.blocking:
            if f.source == "platform":
                found.append((2, f.message.splitlines()[0]))
                continue
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or s.request)
            found.append((int(not (f.file or "").startswith("requests/")), f"{where}: {f.message}"))
    items = [text for _, text in sorted(found, key=lambda x: x[0])]
    items += report.policy_errors + report.head_policy_errors + report.integrity_errors
    items += [
        f"{s.request}: {(s.error or '').splitlines()[0]}"
        for s in report.stacks
        if s.status == "error" and not s.blocking and not s.platform_fault
    ]
    items += [(s.error or "").splitlines()[0] for s in report.stacks if s.platform_fault and not s.blocking]
    return items


def platform_only(report: Report, items: list[str]) -> str | None:
    """The setting to fix when everything that blocks is the platform's to fix, else None."""
    faults = [s.platform_fault for s in report.stacks if s.platform_fault]
    others = [f for s in report.stacks for f in s.blocking if f.source != "platform"]
    extra = report.policy_errors + report.head_policy_errors + report.integrity_errors
    return faults[0] if faults and not others and not extra else None


def _approvers(report: Report, tier: Tier, teams: Teams) -> list[str]:
    if tier == "high":
        return [teams.platform_team]
    return sorted({s.team for s in report.stacks if s.risk and s.risk.tier == "medium"})


def decide(report: Report, risk: Risk, teams: Teams) -> Decision:
    """Who has to act next, from the pull request's tier."""
    if risk.tier == "blocked":
        items = blocked_by(report)
        fault = platform_only(report, items)
        return Decision(
            auto_merge=False,
            required_approvals=0,
            next_step=next_step("blocked", reviewers=[], blocked_by=items, platform_fault=fault),
            blocked_by=items,
        )
    if risk.tier == "low":
        return Decision(auto_merge=True, required_approvals=0, next_step=LOW)
    owners = _approvers(report, risk.tier, teams)
    mentions = [teams.teams[t].mention if t in teams.teams else f"@{teams.org}/{t}" for t in owners]
    return Decision(
        auto_merge=False,
        required_approvals=len(owners),
        required_reviewers=mentions,
        approver_teams=owners,
        next_step=next_step(risk.tier, reviewers=mentions, blocked_by=[]),
    )


def decided(report: Report, teams: Teams | None, base_error: str | None = None, draft: bool = False) -> Report:
    """The report with its decision; without the base's teams nothing can be decided but a block."""
    assert report.risk is not None
    if draft and report.risk.tier != "blocked" and teams is not None:
        d = decide(report, report.risk, teams)
        step = next_step(report.risk.tier, reviewers=d.required_reviewers, blocked_by=d.blocked_by, draft=True)
        return report.model_copy(
            update={"decision": d.model_copy(update={"auto_merge": False, "draft": True, "next_step": step})}
        )
    if teams is None:
        items = [base_error or "base revision invalid"]
        decision = Decision(
            auto_merge=False,
            required_approvals=0,
            next_step=next_step("blocked", reviewers=[], blocked_by=items),
            blocked_by=items,
        )
    else:
        decision = decide(report, report.risk, teams)
    return report.model_copy(update={"decision": decision})


def waiting(report: Report, checks: list[str], approved_by: list[str] | None = None) -> Report:
    """Everything ssops-ci needs is there; GitHub's other required checks are not green yet."""
    assert report.risk is not None and report.decision is not None
    step = next_step(report.risk.tier, reviewers=[], blocked_by=[], approved_by=approved_by, waiting_for=checks)
    update = {"waiting_for": checks, "next_step": step}
    return report.model_copy(update={"decision": report.decision.model_copy(update=update)})


def refused(report: Report, reason: str) -> Report:
    """GitHub would not merge what ssops-ci allowed: the decision says so, with GitHub's reason."""
    assert report.risk is not None and report.decision is not None
    step = next_step(report.risk.tier, reviewers=[], blocked_by=[], refused=reason)
    update = {"merge_refused": reason, "auto_merge": False, "next_step": step}
    return report.model_copy(update={"decision": report.decision.model_copy(update=update)})


# ----------------------------------------------------------------------------- approvals


def _verdicts(reviews: list[Review]) -> dict[str, Review]:
    """GitHub's rule: a reviewer's latest approving, blocking or dismissed review is their verdict. A later
    comment-only review changes nothing; a push changes nothing either (a veto stands until its author
    approves or someone dismisses it)."""
    latest: dict[str, Review] = {}
    for r in reviews:
        if r.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[r.user.lower()] = r
    return latest


def _ignored(r: Review, author: str, writers: set[str]) -> str | None:
    """Why a verdict counts for nothing, approval and veto alike."""
    if r.state == "DISMISSED":
        return f"{r.user}: review dismissed"
    if r.user.lower() == author.lower():
        return f"{r.user}: authors do not review their own pull request"
    if r.user.lower() not in writers:
        return f"{r.user}: has no write access to the repository, so their review does not count"
    return None


def _approves_for(r: Review, head_sha: str, required: list[str], teams: Teams) -> str | list[str]:
    """The required teams an approval counts for, or why it counts for none."""
    if r.commit_id != head_sha:
        return f"{r.user}: approved {str(r.commit_id)[:12]}, not the current head {head_sha[:12]}"
    member_of = set(teams.teams_of(r.user))
    matched = [t for t in required if t in member_of]
    return matched or f"{r.user}: not a member of {', '.join(required) or 'a required team'}"


def reviewers(reviews: list[Review]) -> list[str]:
    """Who has a verdict standing: whose write access the forge must be asked about."""
    return sorted({r.user for r in _verdicts(reviews).values() if r.state != "DISMISSED"})


def count_approvals(
    reviews: list[Review], head_sha: str, author: str, required: list[str], teams: Teams, writers: set[str]
) -> Approvals:
    """Each required team needs an approval of the current head by one of its members; any standing veto
    blocks. Only reviewers with write access (`writers`, lower case) count; the author never does."""
    counted: dict[str, list[str]] = {t: [] for t in required}
    ignored: list[str] = []
    changes_requested: list[str] = []
    for _, r in sorted(_verdicts(reviews).items()):
        why = _ignored(r, author, writers)
        if why is not None:
            ignored.append(why)
            continue
        if r.state == "CHANGES_REQUESTED":
            changes_requested.append(r.user)
            continue
        outcome = _approves_for(r, head_sha, required, teams)
        if isinstance(outcome, str):
            ignored.append(outcome)
            continue
        for team in outcome:
            counted[team].append(r.user)
    missing = [t for t in required if not counted[t]]
    return Approvals(
        satisfied=not missing and not changes_requested,
        approved={t: users for t, users in counted.items() if users},
        missing=missing,
        ignored=ignored,
        changes_requested=changes_requested,
    )


def status_for(report: Report, approvals: Approvals | None = None) -> tuple[GateState, str]:
    d, r = report.decision, report.risk
    if d is None or r is None:
        return "error", "ssops-ci could not decide"
    if d.merge_refused:
        return "failure", f"GitHub refused the merge: {d.merge_refused}"
    if d.draft and r.tier != "blocked":
        return "pending", f"{r.tier} risk, draft: merges once it is marked ready for review"
    if r.tier == "blocked":
        return "failure", f"blocked: {d.blocked_by[0] if d.blocked_by else 'see the comment'}"
    then = f"; waits for {', '.join(d.waiting_for)}, then merges" if d.waiting_for else ""
    if r.tier == "low":
        return "success", f"low risk: {then[2:] or 'merges and applies automatically'}"
    if approvals and approvals.satisfied:
        return "success", f"{r.tier} risk: approved by {', '.join(approvals.approvers)}{then}"
    waiting = " and ".join(d.required_reviewers)
    return "pending", f"{r.tier} risk: waiting for approval from {waiting}"
