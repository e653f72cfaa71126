"""Apply after merge with the static engine and the local forge: state, results on the PR, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from ssops_ci.adapters.clock import SystemClock
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.gitmerge import merge_into
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app.apply import Applier
from ssops_ci.commands.cli import cli
from tests.conftest import Repo, applier, pull_requests, records, request_yaml

pytestmark = pytest.mark.slow


def merged_pr(repo: Repo, branch: str, files: dict[str, str], remove: list[str] | None = None) -> tuple[int, str]:
    repo.branch(branch)
    for p, t in files.items():
        repo.write(p, t)
    for p in remove or []:
        repo.remove(p)
    repo.commit(branch)
    repo.git("checkout", "-q", "main")
    r = git.Repo(repo.root)
    forge = LocalForge(r)
    n = forge.open(branch, "main", "alice").number
    outcome = pull_requests(r, forge).evaluate(n)
    if outcome.merge is None:  # not low risk: the platform team approves
        forge.approve(n, "pat-platform")
        outcome = pull_requests(r, forge).review(n)
    assert outcome.merge and outcome.merge.merged and outcome.merge.sha
    return n, outcome.merge.sha


def test_apply_records_state_reports_on_the_pr_and_is_idempotent(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    n, sha = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    r = git.Repo(repo.root)
    forge = LocalForge(r)
    result = CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(repo.root), "--forge", "local"])
    assert result.exit_code == 0, result.stderr
    assert "1 of 1 stack(s) applied" in result.stdout
    store = records(repo.root).store
    state = store.get("static", "payments/jobs")
    assert state and state["sha"] == sha and "aws_sqs_queue.this" in state["resources"]
    assert forge.statuses(sha)["ssops-ci/apply"] == "success"
    [deployed] = forge.deployments()
    assert (deployed["sha"], deployed["environment"], deployed["states"]) == (sha, "dev", ["in_progress", "success"])
    apply_comment = next(c for c in forge.comments(n) if c.startswith("<!-- ssops-ci:apply -->"))
    assert "## ✅ Applied · 1 of 1 stack(s) applied" in apply_comment
    again = CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(repo.root), "--forge", "local"])
    assert again.exit_code == 0 and "(1 by an earlier run)" in again.stdout
    assert len([c for c in forge.comments(n) if c.startswith("<!-- ssops-ci:apply -->")]) == 1
    events = [e["event"] for e in store.events().events]
    assert events.count("apply") == 2 and events.count("apply-done") == 2


def test_a_deleted_request_is_destroyed(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    _, first = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    applier(git.Repo(repo.root)).run(first)
    _, second = merged_pr(repo, "no-jobs", {}, remove=["requests/payments/jobs.yaml"])
    result = applier(git.Repo(repo.root)).run(second)
    assert result.ok and [(s.stack, s.action, s.state) for s in result.stacks] == [
        ("payments/jobs", "destroy", "applied")
    ]
    assert records(repo.root).store.get("static", "payments/jobs") is None


def test_a_hand_edit_on_main_is_refused(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.edit("rendered/payments/receipts/main.tf", "block_public_acls       = true", "block_public_acls       = false")
    sha = repo.commit("quick fix straight on main", render=False)
    forge = LocalForge(git.Repo(repo.root))
    result = CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(repo.root), "--forge", "local"])
    assert result.exit_code == 1
    assert "REFUSED payments/receipts: rendered/payments/receipts/main.tf: hand-edited" in result.stdout
    assert records(repo.root).store.get("static", "payments/receipts") is None
    assert forge.statuses(sha)["ssops-ci/apply"] == "failure"
    events = records(repo.root).store.events().events
    assert any(e["event"] == "apply-refused" for e in events)


def test_a_matrix_apply_reports_once_and_a_stack_without_a_result_as_failed(
    gitrepo: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = gitrepo()
    files = {f"requests/payments/{n}.yaml": request_yaml(name=n) for n in ("jobs", "audit")}
    n, sha = merged_pr(repo, "two", files)
    forge = LocalForge(git.Repo(repo.root))

    def ssops(*args: str) -> Result:
        return CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(repo.root), *args])

    listed = ssops("--matrix")
    assert listed.exit_code == 0, listed.stderr
    lines = dict(line.split("=", 1) for line in listed.stdout.splitlines())
    assert lines["count"] == "2"
    assert json.loads(lines["matrix"]) == {
        "include": [
            {"stacks": "payments/audit", "lock": "payments/audit"},
            {"stacks": "payments/jobs", "lock": "payments/jobs"},
        ]
    }
    # One matrix job ran; the other was cancelled before it left a result.
    one = ssops("--stacks", "payments/jobs", "--out", str(tmp_path / "results/ssops-apply-1"))
    assert one.exit_code == 0 and "1 of 1 stack(s) applied" in one.stdout, one.output
    assert "ssops-ci/apply" not in forge.statuses(sha)  # a matrix job leaves the reporting to the join
    assert ssops("--stacks", "payments/nope").exit_code == 1
    joined = ssops("--forge", "local", "--join", str(tmp_path / "results"))
    assert joined.exit_code == 1, joined.output
    assert "1 of 2 stack(s) applied; 1 failed" in joined.stdout
    assert "payments/audit: its apply job left no result" in joined.stdout
    assert forge.statuses(sha)["ssops-ci/apply"] == "failure"
    [body] = [c for c in forge.comments(n) if c.startswith("<!-- ssops-ci:apply -->")]
    assert "payments/jobs" in body and "payments/audit" in body


def _apply(repo: Repo, sha: str) -> Result:
    return CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(repo.root), "--forge", "local"])


def test_only_what_merged_is_applied(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("blocked")
    repo.write(
        "requests/payments/site.yaml", request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")
    )
    head = repo.commit("a public bucket nobody approved")
    repo.git("checkout", "-q", "main")
    refused = _apply(repo, head)
    assert refused.exit_code == 1
    assert f"{head[:12]} is not on main's first-parent history, so it was never merged" in refused.stderr
    assert records(repo.root).store.get("static", "payments/site") is None


def test_an_older_commit_after_a_newer_one_is_a_no_op_naming_the_live_one(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    _, older = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    longer = request_yaml(name="jobs", spec="  retentionDays: 7\n")
    _, newer = merged_pr(repo, "jobs-7d", {"requests/payments/jobs.yaml": longer})
    assert _apply(repo, newer).exit_code == 0
    late = _apply(repo, older)  # the older merge's apply job ran last
    assert late.exit_code == 0, late.output
    assert f"superseded      apply   payments/jobs: a newer commit, {newer[:12]}, is live" in late.stdout
    state = records(repo.root).store.get("static", "payments/jobs")
    assert state and state["sha"] == newer  # nothing rolled back


def test_two_merges_then_one_apply_applies_both(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    _, first = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    assert _apply(repo, first).exit_code == 0
    _, second = merged_pr(repo, "audit", {"requests/payments/audit.yaml": request_yaml(name="audit")})
    _, third = merged_pr(repo, "cache", {"requests/payments/cache.yaml": request_yaml(kind="RedisCache", name="cache")})
    # second's apply never ran (its job was cancelled); third's applies both
    result = _apply(repo, third)
    assert result.exit_code == 0, result.output
    assert "2 of 2 stack(s) applied" in result.stdout
    store = records(repo.root).store
    assert {k: v["applied_sha"] for k, v in store.all("ledger").items()} == {
        "payments/jobs": first,
        "payments/audit": third,
        "payments/cache": third,
    }
    assert store.get("meta", "through")["sha"] == third  # type: ignore[index]
    assert second != third


class Exploding:
    """An Engine (the port) whose apply fails the way nobody planned for."""

    name = "static"
    concurrent = False

    def plan(self, job: object) -> list[object]:
        return []

    def apply(self, job: object, sha: str) -> str:
        raise OSError(28, "No space left on device")


def test_an_unexpected_error_ends_the_stack_failed_not_running(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    _, sha = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    r = git.Repo(repo.root)
    kept = records(r)
    exploding = Applier(
        GitRepository(r),
        engines=lambda _: Exploding(),  # type: ignore[arg-type,return-value]
        store=kept.store,
        audit=kept.trail,
        clock=SystemClock(),
    )
    result = exploding.run(sha)
    [stack] = result.stacks
    assert stack.state == "failed" and stack.message == "internal error: OSError: [Errno 28] No space left on device"
    assert stack.error_tail and "Traceback" in stack.error_tail
    entry = records(r).store.get("ledger", "payments/jobs")
    assert entry and entry["state"] == "failed" and "applied_sha" not in entry
    again = applier(r).run(sha)  # the next run tries it again, with the real engine
    assert [(s.state, s.retried_after) for s in again.stacks] == [("applied", "failed")]


def test_a_merge_that_died_before_recording_is_not_made_twice(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("jobs")
    repo.write("requests/payments/jobs.yaml", request_yaml(name="jobs"))
    head = repo.commit("jobs")
    repo.git("checkout", "-q", "main")
    r = git.Repo(repo.root)
    forge = LocalForge(r)
    n = forge.open("jobs", "main", "alice").number
    first = merge_into(r, "main", head, f"Merge pull request #{n}: jobs", "alice")  # ...and the process died
    result = forge.merge(n, head, "jobs")  # the retry
    assert result.merged and result.sha == first and "earlier attempt" in result.message
    assert r.git.rev_list("--merges", "main").split() == [first]
    assert forge.get_pr(n).state == "merged"


def test_the_first_commit_and_unknown_shas(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    result = CliRunner().invoke(cli, ["apply", "--sha", first, "--repo", str(repo.root), "--forge", "local"])
    assert result.exit_code == 1 and "is the first commit" in result.stderr
    result = CliRunner().invoke(cli, ["apply", "--sha", "deadbeef", "--repo", str(repo.root), "--forge", "local"])
    assert "unknown git ref 'deadbeef'" in result.stderr


def test_static_drift_finds_merges_that_were_never_applied(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    _, first = merged_pr(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    applier(git.Repo(repo.root)).run(first)
    clean = CliRunner().invoke(cli, ["drift", "--repo", str(repo.root)])
    assert clean.exit_code == 0 and "No drift." in clean.stdout
    merged_pr(repo, "bigger", {"requests/payments/jobs.yaml": request_yaml(name="jobs", spec="  retentionDays: 9\n")})
    drifted = CliRunner().invoke(cli, ["drift", "--repo", str(repo.root)])
    assert drifted.exit_code == 1
    assert (
        "**payments/jobs**: applied at" in drifted.stdout
        and "update `aws_sqs_queue.this` (message_retention_seconds)" in drifted.stdout
    )
