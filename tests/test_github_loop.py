"""The full pull-request loop through PyGithub against the GitHub double: comment, status, labels, review, merge."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner, Result

from ssops_ci.adapters.github import GitHubForge
from ssops_ci.commands.cli import cli
from ssops_ci.model.problems import ForgeError
from ssops_ci.stages import comment
from tests.conftest import pull_requests, records, request_yaml
from tests.github_double.fixture import World

pytestmark = pytest.mark.slow
QUEUE = {"requests/payments/jobs.yaml": request_yaml(name="jobs")}
PROD_DB = {
    "requests/payments/ledger-db.yaml": request_yaml(
        kind="PostgresDatabase", name="ledger-db", env="prod", spec="  size: small\n"
    )
}
PUBLIC = {"requests/payments/site.yaml": request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")}


def test_low_risk_pr_is_commented_labelled_and_merged_at_the_evaluated_sha(world: World) -> None:
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    t0 = time.perf_counter()
    forge = world.forge()
    world.fetch()
    outcome = pull_requests(world.ci, forge).evaluate(n)
    elapsed = time.perf_counter() - t0
    assert outcome.state == "success" and outcome.merge and outcome.merge.merged
    [c] = world.double.comments_on(n)
    assert c["body"].startswith(comment.MARKER) and c["user"] == "github-actions[bot]"
    assert world.double.gate_state(head)["state"] == "success"  # type: ignore[index]
    assert world.double.prs[n].labels == ["risk:low"]
    merge = world.origin.commit("refs/heads/main")
    assert [p.hexsha for p in merge.parents][1] == head  # exactly the evaluated commit was merged
    http = len(world.double.calls)
    print(f"\npr evaluate against the double: {elapsed:.2f}s, {forge.calls} API calls ({http} HTTP requests)")
    # Reading the PR, its base's tip, its files, reviews, required checks (protection and rulesets), the checks on
    # its head; writing the comment, the check and the label; confirming head and base again; merging.
    assert forge.calls <= 25


def test_rerunning_never_duplicates_anything(world: World) -> None:
    world.branch_with("site", PUBLIC)
    n = world.double.open_pr("site", "alice")
    for _ in range(3):
        outcome = world.loop().evaluate(n)
        assert outcome.state == "failure" and outcome.merge is None
    assert len(world.double.comments_on(n)) == 1
    assert world.double.prs[n].labels == ["risk:blocked"]
    assert not world.double.prs[n].merged


def test_medium_waits_for_the_owning_team_on_the_current_head(world: World) -> None:
    world.install_app()  # team review requests need a token that can see the org's teams: the App's
    first = world.branch_with("ledger", PROD_DB)
    n = world.double.open_pr("ledger", "bob")
    out = world.loop(app=True).evaluate(n)
    assert out.state == "pending" and out.merge is None
    assert world.double.prs[n].requested_teams == ["payments"]
    assert world.double.gate_state(first)["description"].startswith("medium risk: waiting")  # type: ignore[index]
    # the author approving their own PR does not count
    world.double.review(n, "bob")
    out = world.loop().review(n)
    assert out.merge is None and out.approvals and out.approvals.missing == ["payments"]
    assert any("authors do not review" in why for why in out.approvals.ignored)
    # alice approves, then bob pushes again: the approval was for an old SHA
    world.double.review(n, "alice", commit_id=first)
    world.dev.git("checkout", "-q", "ledger")
    world.dev.edit("requests/payments/ledger-db.yaml", "size: small", "size: small\n  storageGb: 30")
    world.dev.commit("bigger")
    second = world.push("ledger")
    world.dev.git("checkout", "-q", "main")
    out = world.loop().review(n)
    assert out.merge is None and any("not the current head" in why for why in out.approvals.ignored)  # type: ignore[union-attr]
    # a member outside the owning team does not count either
    world.double.review(n, "carol", commit_id=second)
    assert world.loop().review(n).merge is None
    # alice approves the current head: merged, at that head
    world.double.review(n, "alice", commit_id=second)
    out = world.loop().review(n)
    assert out.merge and out.merge.merged
    assert world.origin.commit("refs/heads/main").parents[1].hexsha == second
    assert world.double.gate_state(second)["description"] == "medium risk: approved by alice"  # type: ignore[index]


def test_policy_change_with_a_request_needs_the_platform(world: World) -> None:
    files = {**QUEUE, "policies/guardrails.yaml": (world.dev.root / "policies/guardrails.yaml").read_text() + "\n"}
    world.install_app()
    world.branch_with("sneaky", files)
    n = world.double.open_pr("sneaky", "alice")
    out = world.loop(app=True).evaluate(n)
    assert out.report.risk and out.report.risk.tier == "high"
    assert world.double.prs[n].requested_teams == ["platform"]
    world.double.review(n, "bob")  # payments is not enough for a governance change
    assert world.loop().review(n).merge is None
    world.double.review(n, "pat-platform")
    assert world.loop().review(n).merge.merged  # type: ignore[union-attr]


def test_the_actions_token_cannot_request_teams_and_that_is_not_fatal(world: World) -> None:
    world.branch_with("ledger", PROD_DB)
    n = world.double.open_pr("ledger", "bob")
    world.fetch()
    trail = records(world.ci).trail
    out = pull_requests(world.ci, world.forge(), trail=trail).evaluate(n)
    assert out.state == "pending" and world.double.prs[n].requested_teams == []
    [refused] = [e for e in trail.read().events if e["event"] == "review-request-failed"]
    assert "Reviews may only be requested from collaborators" in refused["reason"]
    [c] = world.double.comments_on(n)
    assert "Needs approval from @acme/payments" in c["body"]  # the comment still names who must approve


def test_hand_edited_rendered_is_blocked(world: World) -> None:
    world.dev.branch("edit")
    world.dev.edit(
        "rendered/payments/receipts/main.tf", "block_public_acls       = true", "block_public_acls       = false"
    )
    world.dev.commit("edit", render=False)
    world.push("edit")
    world.dev.git("checkout", "-q", "main")
    n = world.double.open_pr("edit", "alice")
    out = world.loop().evaluate(n)
    assert out.state == "failure" and not world.double.prs[n].merged
    assert "rendered/ does not match its request" in world.double.comments_on(n)[0]["body"]


@pytest.mark.parametrize(("fork", "author"), [(True, "alice"), (False, "mallory")])
def test_forks_and_outsiders_never_auto_merge(world: World, fork: bool, author: str) -> None:
    world.branch_with("outside", QUEUE)
    n = world.double.open_pr("outside", author, fork=fork)
    out = world.loop().evaluate(n)
    assert out.state == "pending" and out.merge is None
    assert out.report.risk and out.report.risk.tier == "medium"
    reason = "comes from a fork" if fork else "is not in any team"
    assert any(reason in r for r in out.report.risk.reasons)


def test_transient_faults_are_retried(world: World) -> None:
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    world.double.fail("GET", r"/pulls/\d+$", status=502, times=2)
    world.double.fail(
        "POST",
        r"/check-runs$",
        status=403,
        times=1,
        headers={"Retry-After": "1"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    world.double.fail("GET", r"/issues/\d+/comments$", delay=2.5, times=1)  # longer than the client timeout
    t0 = time.perf_counter()
    out = world.loop(timeout=1).evaluate(n)
    assert out.merge and out.merge.merged
    assert time.perf_counter() - t0 >= 1.0  # it honoured Retry-After
    assert len(world.double.comments_on(n)) == 1
    assert world.double.gate_state(head)["state"] == "success"  # type: ignore[index]
    gate_writes = [c for c in world.double.calls if c[0] == "POST" and c[1].endswith("/check-runs")]
    assert [s[2] for s in gate_writes] == [403, 201]


def test_a_merge_whose_answer_was_lost_is_not_merged_twice(world: World) -> None:
    world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    before = world.main_sha()
    world.double.fail("PUT", r"/pulls/\d+/merge$", status=502, after=True)  # merged, then the answer is lost
    out = world.loop().evaluate(n)
    assert out.merge and out.merge.merged and out.merge.sha == world.double.prs[n].merge_sha
    assert "an earlier attempt whose answer was lost" in out.merge.message
    merges = world.origin.git.rev_list("--merges", f"{before}..main").split()
    assert merges == [world.double.prs[n].merge_sha]


def test_a_comment_whose_answer_was_lost_is_not_posted_twice(world: World) -> None:
    """A POST that may have been carried out is never sent again: the run stops, and a re-run finds the
    comment and updates it instead of adding a second one."""
    world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    world.double.fail("POST", r"/issues/\d+/comments$", status=502, after=True, times=1)
    with pytest.raises(ForgeError, match=r"GitHub answered 502.*may or may not have been done, and nothing is sent"):
        world.loop().evaluate(n)
    posts = [c for c in world.double.calls if c[0] == "POST" and c[1].endswith("/comments")]
    assert [p[2] for p in posts] == [201, 502]  # one request: carried out (the double records it), answer lost
    out = world.loop().evaluate(n)
    assert out.merge and out.merge.merged
    assert len(world.double.comments_on(n)) == 1


def test_a_push_before_the_merge_is_evaluated_not_merged(world: World) -> None:
    first = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    pushed: list[str] = []

    def sneak_in(pr: object) -> None:
        world.dev.git("checkout", "-q", "jobs")
        world.dev.write("requests/payments/site.yaml", PUBLIC["requests/payments/site.yaml"])
        world.dev.commit("public bucket, after evaluation")
        pushed.append(world.push("jobs"))
        world.dev.git("checkout", "-q", "main")
        world.fetch()

    world.double.before_merge = sneak_in
    out = world.loop().evaluate(n)
    assert out.reevaluated == 1
    assert out.state == "failure" and out.merge is None  # the new head is blocked: nothing merged
    assert world.main_sha() == world.dev.git("rev-parse", "main")
    assert world.double.gate_state(first)["state"] == "success"  # type: ignore[index]
    assert world.double.gate_state(pushed[0])["state"] == "failure"  # type: ignore[index]


def test_required_checks_must_be_green_before_auto_merge(world: World) -> None:
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    world.double.protected = True
    world.double.required_contexts = ["ssops-ci/risk", "ci/unit-tests"]
    out = world.loop().evaluate(n)
    assert out.merge and not out.merge.merged and "ci/unit-tests" in out.merge.message
    world.double.statuses.setdefault(head, []).append(
        {
            "state": "success",
            "context": "ci/unit-tests",
            "description": "ok",
            "target_url": None,
            "id": 1,
            "creator": "ci",
        }
    )
    assert world.loop().evaluate(n).merge.merged  # type: ignore[union-attr]


def test_huge_comment_stays_under_githubs_limit(world: World) -> None:
    files = {f"requests/payments/q{i:03d}.yaml": request_yaml(name=f"q{i:03d}") for i in range(120)}
    world.dev.branch("many")
    for path, text in files.items():
        world.dev.write(path, text)
    world.dev.edit(
        "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300\n  tags",
        "kms_data_key_reuse_period_seconds = 600\n  tags",
    )
    world.dev.commit("many")
    world.push("many")
    world.dev.git("checkout", "-q", "main")
    n = world.double.open_pr("many", "pat-platform")
    world.loop().evaluate(n)
    [c] = world.double.comments_on(n)
    assert 40_000 < len(c["body"]) < 65_536  # the double answers 422 above GitHub's limit, as GitHub does
    assert "were left out" in c["body"] or "Details are shortened" in c["body"]


def _cli_evaluate(world: World, n: int, api_url: str) -> Result:
    """`ssops-ci pr evaluate N` as a workflow runs it, against the GitHub API at `api_url`."""
    args = ["pr", "evaluate", str(n), "--repo", str(world.ci.working_dir), "--forge", "github"]
    return CliRunner().invoke(cli, [*args, "--github-repo", "acme/ssops", "--api-url", api_url])


def test_unreachable_api_fails_clearly_and_merges_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    world.fetch()
    dead = GitHubForge(
        "acme/ssops", token="ci-token", base_url="http://127.0.0.1:9", attempts=2, backoff=0.01, timeout=1
    )
    with pytest.raises(ForgeError, match="could not read pull request #1 after 2 attempts"):
        pull_requests(world.ci, dead).evaluate(n)
    monkeypatch.setenv("GITHUB_TOKEN", "ci-token")
    result = _cli_evaluate(world, n, "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "error: could not read pull request #1" in result.stderr and "Nothing was merged" in result.stderr
    assert not world.double.prs[n].merged


def test_cli_evaluate_through_the_double(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    world.fetch()
    monkeypatch.setenv("GITHUB_TOKEN", "ci-token")
    result = _cli_evaluate(world, n, world.double.url)
    assert result.exit_code == 0, result.stderr
    assert "low risk" in result.stdout and "merged" in result.stdout
    assert world.double.prs[n].merged
