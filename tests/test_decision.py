"""The decision stage on values: approvals counted as GitHub counts them, the status, the next step."""

from __future__ import annotations

import pytest

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config.teams import load as load_teams
from ssops_ci.model.forge import Review
from ssops_ci.model.report import Report
from ssops_ci.model.risk import Approvals, Decision, Risk
from ssops_ci.stages.decision import count_approvals, next_step, status_for
from tests.conftest import PROJECT

TEAMS = load_teams(WorkTree(PROJECT))  # payments: alice, bob; search: carol, dave; platform: pat-platform...
HEAD, OLD = "h" * 40, "o" * 40


def review(user: str, state: str = "APPROVED", commit: str = HEAD) -> Review:
    return Review.model_validate({"user": user, "state": state, "commit_id": commit})


WRITERS = {"alice", "bob", "carol", "dave"}  # collaborators with write access; "mallory" reads only


def count(reviews: list[Review], required: list[str], author: str = "bob", writers: set[str] = WRITERS) -> Approvals:
    return count_approvals(reviews, HEAD, author, required, TEAMS, writers)


def test_a_member_of_each_required_team_approving_the_head_satisfies() -> None:
    a = count([review("alice"), review("carol")], ["payments", "search"])
    assert a.satisfied and a.approved == {"payments": ["alice"], "search": ["carol"]} and a.missing == []
    assert a.approvers == ["alice", "carol"]


def test_a_team_without_an_approval_is_missing() -> None:
    a = count([review("alice")], ["payments", "search"])
    assert not a.satisfied and a.missing == ["search"]


@pytest.mark.parametrize(
    ("reviews", "why"),
    [
        ([review("bob")], "bob: authors do not review their own pull request"),
        ([review("BOB")], "BOB: authors do not review their own pull request"),
        ([review("alice", commit=OLD)], f"alice: approved {OLD[:12]}, not the current head {HEAD[:12]}"),
        ([review("carol")], "carol: not a member of payments"),
        ([review("alice"), review("alice", "DISMISSED")], "alice: review dismissed"),
    ],
)
def test_reviews_that_do_not_count_say_why(reviews: list[Review], why: str) -> None:
    a = count(reviews, ["payments"])
    assert not a.satisfied and a.missing == ["payments"] and a.ignored == [why]


def test_the_latest_verdict_of_a_user_is_theirs_and_comments_are_not_verdicts() -> None:
    changed_mind = count([review("alice", "CHANGES_REQUESTED"), review("alice")], ["payments"])
    assert changed_mind.satisfied and changed_mind.changes_requested == []
    commented_after = count([review("alice"), review("alice", "COMMENTED")], ["payments"])
    assert commented_after.satisfied


def test_changes_requested_on_the_head_block_even_when_every_team_approved() -> None:
    a = count([review("alice"), review("dave", "CHANGES_REQUESTED")], ["payments"])
    assert a.approved == {"payments": ["alice"]} and a.changes_requested == ["dave"] and not a.satisfied


def test_one_member_of_two_required_teams_counts_for_both() -> None:
    teams = TEAMS.model_copy(deep=True)
    teams.teams["search"].members.append("alice")
    a = count_approvals([review("alice")], HEAD, "bob", ["payments", "search"], teams, WRITERS)
    assert a.satisfied and a.approved == {"payments": ["alice"], "search": ["alice"]}


def report(tier: str, decision: Decision) -> Report:
    return Report(base="b", head=HEAD, merge_base="m", engine="static", risk=Risk(tier=tier), decision=decision)


@pytest.mark.parametrize(
    ("tier", "reviewers", "blocked_by", "approved_by", "expected"),
    [
        (
            "low",
            [],
            [],
            None,
            "Will merge and apply automatically once the other required checks pass; nobody needs to act.",
        ),
        (
            "medium",
            ["@acme/payments"],
            [],
            None,
            "Needs approval from @acme/payments on this exact commit; it then merges and applies by itself.",
        ),
        (
            "high",
            ["@acme/platform"],
            [],
            None,
            "Needs approval from @acme/platform (the platform team) on this exact commit; "
            "it then merges and applies by itself.",
        ),
        (
            "medium",
            ["@acme/payments"],
            [],
            ["alice"],
            "Approved by alice on this exact commit; merging and applying it now.",
        ),
        (
            "blocked",
            [],
            ["a.yaml:3: x", "b.tf:1: y"],
            None,
            "Blocked: fix a.yaml:3: x (and 1 more below), then push again.",
        ),
        ("blocked", [], [], None, "Blocked: fix the problems listed below, then push again."),
    ],
)
def test_the_next_step_is_one_sentence_per_situation(
    tier: str, reviewers: list[str], blocked_by: list[str], approved_by: list[str] | None, expected: str
) -> None:
    assert next_step(tier, reviewers=reviewers, blocked_by=blocked_by, approved_by=approved_by) == expected  # type: ignore[arg-type]


def test_the_comment_escapes_what_people_wrote_but_not_the_team_mentions() -> None:
    escaped = next_step("blocked", reviewers=[], blocked_by=["@mallory"], text=lambda s: s.replace("@", "(at)"))
    assert escaped == "Blocked: fix (at)mallory, then push again."
    mention = next_step("medium", reviewers=["@acme/payments"], blocked_by=[], text=lambda s: s.replace("@", "(at)"))
    assert "@acme/payments" in mention


def test_status_follows_the_tier_and_the_approvals() -> None:
    waiting = Decision(auto_merge=False, required_approvals=1, required_reviewers=["@acme/payments"], next_step="x")
    assert status_for(report("medium", waiting)) == ("pending", "medium risk: waiting for approval from @acme/payments")
    approved = Approvals(satisfied=True, approved={"payments": ["bob", "alice"]})
    assert status_for(report("medium", waiting), approved) == ("success", "medium risk: approved by alice, bob")
    low = Decision(auto_merge=True, required_approvals=0, next_step="x")
    assert status_for(report("low", low)) == ("success", "low risk: merges and applies automatically")
    blocked = Decision(auto_merge=False, required_approvals=0, next_step="x", blocked_by=["a.yaml:3: x"])
    assert status_for(report("blocked", blocked)) == ("failure", "blocked: a.yaml:3: x")
    undecided = Report(base="b", head=HEAD, merge_base="m", engine="static")
    assert status_for(undecided) == ("error", "ssops-ci could not decide")


def test_a_veto_stands_after_a_push_until_its_author_approves_or_it_is_dismissed() -> None:
    # GitHub keeps "changes requested" across pushes; only approvals are tied to the commit they saw.
    vetoed = count([review("dave", "CHANGES_REQUESTED", commit=OLD), review("alice")], ["payments"])
    assert not vetoed.satisfied and vetoed.changes_requested == ["dave"]
    commented = count(
        [review("dave", "CHANGES_REQUESTED", commit=OLD), review("dave", "COMMENTED"), review("alice")], ["payments"]
    )
    assert not commented.satisfied and commented.changes_requested == ["dave"]
    lifted = count([review("dave", "CHANGES_REQUESTED", commit=OLD), review("dave"), review("alice")], ["payments"])
    assert lifted.satisfied and lifted.changes_requested == []
    dismissed = count(
        [review("dave", "CHANGES_REQUESTED", commit=OLD), review("dave", "DISMISSED"), review("alice")], ["payments"]
    )
    assert dismissed.satisfied and "dave: review dismissed" in dismissed.ignored


def test_only_reviewers_with_write_access_count_for_approvals_and_vetoes_alike() -> None:
    reader_veto = count([review("mallory", "CHANGES_REQUESTED"), review("alice")], ["payments"])
    assert reader_veto.satisfied and reader_veto.changes_requested == []
    assert reader_veto.ignored == ["mallory: has no write access to the repository, so their review does not count"]
    lost_access = count([review("alice")], ["payments"], writers={"bob"})
    assert not lost_access.satisfied and lost_access.missing == ["payments"]


def test_the_author_never_counts_not_even_as_a_veto() -> None:
    a = count([review("bob", "CHANGES_REQUESTED"), review("alice")], ["payments"])
    assert a.satisfied and a.changes_requested == []
