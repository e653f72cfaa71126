"""The local forge: pull requests as branches, the store in .git/ssops, real merges, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import PIPE

import git
import pytest
from click.testing import CliRunner, Result

from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.gitmerge import MergeConflict, merge_into
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app.evaluate import Evaluation
from ssops_ci.app.pull_request import PullRequests
from ssops_ci.commands.cli import cli
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import wiring
from ssops_ci.stages import chain
from tests.conftest import Repo, pull_requests, records, request_yaml

pytestmark = pytest.mark.slow


def run(repo: Repo, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--repo", str(repo.root)], catch_exceptions=False)


def branch(repo: Repo, name: str, files: dict[str, str]) -> None:
    repo.branch(name)
    for p, t in files.items():
        repo.write(p, t)
    repo.commit(name)
    repo.git("checkout", "-q", "main")


def test_low_risk_merges_through_the_cli(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    branch(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    assert "opened #1: jobs -> main by alice" in run(repo, "pr", "open", "jobs", "--as", "alice").stdout
    result = run(repo, "pr", "evaluate", "1", "--forge", "local")
    assert result.exit_code == 0, result.stderr
    assert "merge: merged" in result.stdout
    main = git.Repo(repo.root).commit("main")
    assert main.parents[1].hexsha == repo.git("rev-parse", "jobs")
    assert (repo.root / "requests/payments/jobs.yaml").exists()  # main is checked out: files moved along
    assert repo.git("status", "--porcelain") == ""
    listing = run(repo, "pr", "list").stdout
    assert "#1 merged  jobs -> main by alice [risk:low] success" in listing
    [evaluated] = [e for e in records(repo.root).store.events().events if e["event"] == "evaluate"]
    assert evaluated["pr"] == 1 and evaluated["tier"] == "low" and evaluated["seq"] == 2  # after "open"


def test_medium_needs_a_team_member_on_the_current_head(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    branch(
        repo, "db", {"requests/payments/ledger.yaml": request_yaml(kind="PostgresDatabase", name="ledger", env="prod")}
    )
    run(repo, "pr", "open", "db", "--as", "bob")
    assert "pending" in run(repo, "pr", "evaluate", "1").stdout
    run(repo, "pr", "approve", "1", "--as", "bob")
    assert "authors do not review their own pull request" in run(repo, "pr", "review", "1").stdout
    run(repo, "pr", "approve", "1", "--as", "alice")
    repo.git("checkout", "-q", "db")
    repo.edit("requests/payments/ledger.yaml", "spec: {}", "spec:\n  storageGb: 30")
    repo.commit("more storage")
    repo.git("checkout", "-q", "main")
    stale = run(repo, "pr", "review", "1").stdout
    assert "alice: approved" in stale and "not the current head" in stale and "merge:" not in stale
    run(repo, "pr", "approve", "1", "--as", "alice", "--request-changes")
    assert "merge:" not in run(repo, "pr", "review", "1").stdout
    run(repo, "pr", "approve", "1", "--as", "alice")
    assert "merge: merged" in run(repo, "pr", "review", "1").stdout
    forge = LocalForge(git.Repo(repo.root))
    [body] = forge.comments(1)
    assert "Approved by alice on this exact commit" in body


def test_blocked_exits_1_and_never_merges(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    assert "no pull requests yet" in run(repo, "pr", "list").stdout
    branch(
        repo,
        "site",
        {"requests/payments/site.yaml": request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")},
    )
    run(repo, "pr", "open", "site", "--as", "alice")
    result = run(repo, "pr", "evaluate", "1")
    assert result.exit_code == 1 and "status ssops-ci/risk: failure" in result.stdout
    assert "#1 open" in run(repo, "pr", "list").stdout


def test_bad_pr_numbers_and_branches(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    assert "there is no pull request #7" in run(repo, "pr", "evaluate", "7").stderr
    assert "no branch 'nope'" in run(repo, "pr", "open", "nope", "--as", "alice").stderr
    branch(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    run(repo, "pr", "open", "jobs", "--as", "alice")
    assert "already has open pull request #1" in run(repo, "pr", "open", "jobs", "--as", "alice").stderr


def test_merge_plumbing_refuses_conflicts_and_lost_updates(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    branch(repo, "a", {"requests/payments/qa.yaml": request_yaml(name="qa")})
    repo.branch("b")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.commit("b", render=False)
    repo.git("checkout", "-q", "main")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 256")
    repo.commit("main edit", render=False)
    r = git.Repo(repo.root)
    with pytest.raises(MergeConflict, match=r"conflict in requests/search/indexer\.yaml"):
        merge_into(r, "main", repo.git("rev-parse", "b"), "m", "alice")
    merged = merge_into(r, "main", repo.git("rev-parse", "a"), "merge a", "alice")
    assert repo.git("rev-parse", "main") == merged
    assert [p.hexsha for p in r.commit(merged).parents][1] == repo.git("rev-parse", "a")
    # git failing (an old git, a missing object) is not a conflict, and says what it is.
    with pytest.raises(SsopsError, match="merge-tree --write-tree failed"):
        merge_into(r, "main", "0" * 40, "m", "alice")


def test_evaluations_of_different_prs_at_once_all_land(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    names = ["jobs", "audit", "events", "mail"]
    for name in names:
        branch(repo, name, {f"requests/payments/{name}.yaml": request_yaml(name=name)})
        run(repo, "pr", "open", name, "--as", "alice")
    ssops = [sys.executable, "-m", "ssops_ci"]
    procs = [
        subprocess.Popen(
            [*ssops, "pr", "evaluate", str(n), "--repo", str(repo.root)], stdout=PIPE, stderr=PIPE, text=True
        )
        for n in range(1, len(names) + 1)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in results), [r for r in results if r[0]]
    forge = LocalForge(git.Repo(repo.root))
    assert [p.state for p in forge.all_prs()] == ["merged"] * 4
    assert len(git.Repo(repo.root).git.rev_list("--merges", "main").split()) == 4
    events = [e["event"] for e in records(repo.root).store.events().events]
    assert events.count("merge") >= 4 and chain.verify(records(repo.root).store.events().events) is None


def test_a_failed_evaluation_never_leaves_a_green_check(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    branch(repo, "jobs", {"requests/payments/jobs.yaml": request_yaml(name="jobs")})
    r = git.Repo(repo.root)
    forge = LocalForge(r)
    forge.require("ci/test")
    n = forge.open("jobs", "main", "alice").number
    head = forge.get_pr(n).head_sha
    waiting = pull_requests(r, forge).evaluate(n)
    assert waiting.state == "success" and waiting.merge and not waiting.merge.merged  # green, waits for ci/test

    def broken(*_: object) -> Evaluation:
        raise RuntimeError("checkov crashed")

    loop = PullRequests(GitRepository(r), forge, broken, wiring.gate(GitRepository(r), forge))
    with pytest.raises(RuntimeError):
        loop.evaluate(n)
    assert forge.statuses(head)["ssops-ci/risk"] == "failure"
    [failed] = [e for e in records(r).store.events().events if e["event"] == "evaluate-failed"]
    assert failed["error"] == "RuntimeError: checkov crashed"


def test_demo_shows_the_three_outcomes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PROJECT

    monkeypatch.chdir(PROJECT)
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "== PR #1: alice asks for a dev queue\n## 🟢 Low risk · will merge and apply automatically" in out
    assert "== PR #2: bob asks for a prod database\n## 🟡 Medium risk · needs approval from @acme/payments" in out
    assert "== PR #2: after alice's approval\n## 🟡 Medium risk · approved, merging" in out
    assert "== PR #3: carol asks for a public bucket\n## 🔴 Blocked" in out
    assert "#1 merged dev-queue" in out and "#2 merged ledger-db" in out and "#3 open   public-assets" in out
    demo = git.Repo(tmp_path / "demo")
    assert len(list(demo.iter_commits("main", merges=True))) == 2
    # merged means applied: the local flow ends with applied state and a report
    assert out.count("(static engine, PR #") == 2 and "1 of 1 stack(s) applied" in out
    assert "applied on main (static engine's record): payments/jobs, payments/ledger-db" in out
    assert "3 pull request(s): 2 merged, 2 applied, 0 apply failure(s)" in out
    assert "merged with no human involved: 50%" in out
    assert "waiting: #3 (blocked) on the author (carol)" in out
    assert (tmp_path / "demo/.ssops/report.html").read_text().count("<svg") == 8
    # the objectives in policies/objectives.yaml, measured from the store: one of three PRs denied
    assert "service levels (targets from policies/objectives.yaml):" in out
    assert "MISSED   Policy deny rate: 33.3% of 3 · target at most 30%" in out
    assert "MET      Audit completeness: 100.0% of 2" in out
    assert "waiting on: the author 1" in out
    assert "records: refs/ssops/records in " in out
    # A runner starts from a fresh clone: the records come with the repository, and say the same.
    git.Repo.clone_from(str(tmp_path / "demo"), str(tmp_path / "fresh"))
    here = CliRunner().invoke(cli, ["report", "--repo", str(tmp_path / "demo"), "--json"])
    there = CliRunner().invoke(cli, ["report", "--repo", str(tmp_path / "fresh"), "--json"])
    assert here.exit_code == there.exit_code == 0, there.output
    assert json.loads(here.stdout)["merged"] == 2 and here.stdout == there.stdout
    verify = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(tmp_path / "fresh")])
    assert verify.exit_code == 0 and "the chain is intact" in verify.stdout


@pytest.mark.parametrize("path", ["policies/teams.yaml", "policies/guardrails.yaml"])
def test_broken_base_policies_block_and_say_so(gitrepo: Callable[..., Repo], path: str) -> None:
    repo = gitrepo()
    repo.write(path, "org: [unclosed\n")
    repo.commit("broken", render=False)
    repo.branch("jobs")
    repo.write("requests/payments/jobs.yaml", request_yaml(name="jobs"))
    repo.commit("jobs", render=False)  # nothing can render against broken policies
    repo.git("checkout", "-q", "main")
    run(repo, "pr", "open", "jobs", "--as", "alice")
    result = run(repo, "pr", "evaluate", "1")
    assert result.exit_code == 1 and "status ssops-ci/risk: failure" in result.stdout
    [body] = LocalForge(git.Repo(repo.root)).comments(1)
    assert "## 🔴 Blocked" in body and f"{path}:" in body
