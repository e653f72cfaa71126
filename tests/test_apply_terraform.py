"""Apply with the real Terraform 1.0.3 and the null provider: failures, interruptions, races, drift."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app.apply import describe
from ssops_ci.commands.cli import cli
from tests import nullkind
from tests.conftest import Repo, applier, records

pytestmark = pytest.mark.slow


@pytest.fixture
def tfrepo(
    gitrepo,
    terraform_bin: Path,
    null_provider_mirror: Path,
    tf_env: dict[str, str],  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Repo:
    """A repo whose terraform binary is a wrapper that can stall `apply` in stacks named slow*."""
    wrapper = tmp_path / "terraform-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$1" in apply) case "$PWD" in *slow*) sleep "${SSOPS_TEST_SLEEP:-0}";; esac;; esac\n'
        f'exec "{terraform_bin}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", tf_env["TF_CLI_CONFIG_FILE"])
    monkeypatch.setenv("SSOPS_TEST_SLEEP", "0")
    repo = gitrepo(requests=False)
    nullkind.install(repo.root, wrapper, null_provider_mirror)
    repo.commit("null kind", render=False)
    return repo


def merge(repo: Repo, files: dict[str, str], branch: str = "change", number: int = 1) -> str:
    repo.branch(branch)
    for p, t in files.items():
        repo.write(p, t)
    repo.commit(branch)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge pull request #{number}: {branch}", branch)
    return repo.git("rev-parse", "HEAD")


def three(broken: str | None = None) -> dict[str, str]:
    names = ("alpha", "beta", "slow")
    return {f"requests/payments/{n}.yaml": nullkind.request(n, value=n, broken=n == broken) for n in names}


def record(repo: Repo, sha: str) -> dict[str, str]:
    """How each stack's latest attempt at `sha` stands in the ledger."""
    ledger = records(repo.root).store.all("ledger")
    return {k: str(v.get("state")) for k, v in ledger.items() if v.get("sha") == sha}


def apply_in_background(repo: Repo, sha: str, tf_env: dict[str, str], slow_seconds: int) -> subprocess.Popen[str]:
    """`ssops-ci apply` as its own process group (so a test can kill it, terraform included) with the
    slow stack sleeping `slow_seconds` mid-apply."""
    env = {**os.environ, "TF_CLI_CONFIG_FILE": tf_env["TF_CLI_CONFIG_FILE"], "SSOPS_TEST_SLEEP": str(slow_seconds)}
    return subprocess.Popen(
        [sys.executable, "-m", "ssops_ci", "apply", "--sha", sha, "--repo", str(repo.root), "--forge", "local"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_one_failing_stack_does_not_stop_the_others_and_the_pr_is_told(tfrepo: Repo) -> None:
    r = git.Repo(tfrepo.root)
    forge = LocalForge(r)
    forge.open("main", "main", "alice")  # a PR record #1 for the results to land on
    sha = merge(tfrepo, three(broken="beta"))
    result = CliRunner().invoke(cli, ["apply", "--sha", sha, "--repo", str(tfrepo.root), "--forge", "local"])
    assert result.exit_code == 1
    assert "2 of 3 stack(s) applied; 1 failed" in result.stdout
    assert record(tfrepo, sha) == {"payments/alpha": "applied", "payments/beta": "failed", "payments/slow": "applied"}
    assert (tfrepo.root / ".ssops/tfstate/payments/alpha.tfstate").exists()
    body = next(c for c in forge.comments(1) if c.startswith("<!-- ssops-ci:apply -->"))
    assert "## ❌ Apply failed · 2 of 3 stack(s) applied; 1 failed" in body
    assert "payments/beta</b> failed:" in body and "does_not_exist" in body
    assert forge.record(1)["labels"] == ["apply-failed"]
    assert forge.statuses(sha)["ssops-ci/apply"] == "failure"
    # the same commit again: applied stacks are skipped, the failed one is retried (and still fails)
    again = applier(r).run(sha)
    assert [(s.stack, s.state, s.retried_after) for s in again.stacks] == [
        ("payments/alpha", "already-applied", None),
        ("payments/beta", "failed", "failed"),
        ("payments/slow", "already-applied", None),
    ]


def test_a_killed_apply_is_finished_by_the_next_run(tfrepo: Repo, tf_env: dict[str, str]) -> None:
    sha = merge(tfrepo, three())
    proc = apply_in_background(tfrepo, sha, tf_env, slow_seconds=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = record(tfrepo, sha)
        if (
            states.get("payments/slow") == "running"
            and states.get("payments/alpha") == "applied"
            and states.get("payments/beta") == "applied"
        ):
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"the apply never got to the slow stack: {record(tfrepo, sha)}")
    os.killpg(proc.pid, signal.SIGKILL)  # the runner dies mid-apply, terraform with it
    proc.wait()
    result = applier(git.Repo(tfrepo.root)).run(sha)
    text = describe(result)
    assert result.ok, text
    assert [(s.stack, s.state, s.retried_after) for s in result.stacks] == [
        ("payments/alpha", "already-applied", None),
        ("payments/beta", "already-applied", None),
        ("payments/slow", "applied", "interrupted"),
    ]
    assert "[retried: was interrupted]" in text
    state = json.loads((tfrepo.root / ".ssops/tfstate/payments/slow.tfstate").read_text())
    assert [res["type"] for res in state["resources"]] == ["null_resource", "null_resource"]


def test_two_applies_racing_for_one_stack(tfrepo: Repo, tf_env: dict[str, str]) -> None:
    sha = merge(tfrepo, three())
    first = apply_in_background(tfrepo, sha, tf_env, slow_seconds=6)
    deadline = time.monotonic() + 60
    while record(tfrepo, sha).get("payments/slow") != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    second = applier(git.Repo(tfrepo.root), lock_timeout=1).run(sha)
    slow = next(s for s in second.stacks if s.stack == "payments/slow")
    assert slow.state == "failed"
    assert slow.message.startswith("payments/slow is being applied by pid ") and "waited 1s" in slow.message
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, out + err
    third = applier(git.Repo(tfrepo.root), lock_timeout=1).run(sha)
    assert {s.state for s in third.stacks} == {"already-applied"}


def test_drift_on_real_terraform(tfrepo: Repo) -> None:
    sha = merge(tfrepo, {"requests/payments/alpha.yaml": nullkind.request("alpha")})
    assert applier(git.Repo(tfrepo.root)).run(sha).ok
    clean = CliRunner().invoke(cli, ["drift", "--repo", str(tfrepo.root)])
    assert clean.exit_code == 0, clean.stdout
    assert "checked 1 stack(s)" in clean.stdout and "No drift." in clean.stdout
    (tfrepo.root / ".ssops/tfstate/payments/alpha.tfstate").unlink()  # the resources vanished behind our back
    drifted = CliRunner().invoke(cli, ["drift", "--repo", str(tfrepo.root), "--markdown", str(tfrepo.root / "d.md")])
    assert drifted.exit_code == 1
    assert "create `null_resource.this`" in (tfrepo.root / "d.md").read_text()
