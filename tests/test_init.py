"""`ssops-ci init`: an empty repository becomes a working ssops-ci repository, and nothing is overwritten
unless asked; the built wheel carries the starter and installs without warnings."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from ssops_ci import __version__
from ssops_ci.commands.cli import cli
from ssops_ci.ops import init as starter
from tests.conftest import PROJECT

BIN = Path(sys.executable).parent


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def commit(repo: git.Repo, message: str) -> None:
    repo.git.add(A=True)
    actor = git.Actor("pat", "pat@example.com")
    repo.index.commit(message, author=actor, committer=actor)


def test_an_empty_repository_gets_a_working_catalog_and_pinned_workflows(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    out = run("init", "--repo", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert "wrote      .github/workflows/evaluate.yml" in out.output and "0 overwritten" in out.output
    for path in ("templates/queue/template.yaml", "policies/risk.yaml", "schemas/Queue.json", ".github/CODEOWNERS"):
        assert (tmp_path / path).is_file(), path
    workflows = {p.name: p.read_text() for p in (tmp_path / ".github/workflows").iterdir()}
    assert sorted(workflows) == sorted(starter.WORKFLOWS)  # not the project's own ci.yml
    installs = [ln.strip() for text in workflows.values() for ln in text.splitlines() if "pip install" in ln]
    locked = (
        "--require-hashes --no-deps -r .github/ssops-ci.lock",
        "--require-hashes --no-deps -r base/.github/ssops-ci.lock",
    )
    assert installs and all(ln.endswith(locked) for ln in installs)
    # the pull request's evaluation installs from the default branch's lock, never the pull request's
    evaluate = [ln for ln in workflows["evaluate.yml"].splitlines() if "pip install" in ln]
    assert evaluate and all(ln.endswith("-r base/.github/ssops-ci.lock") for ln in evaluate)
    assert "ssops-ci lock" in out.output
    from ssops_ci.adapters.worktree import WorkTree
    from ssops_ci.config import teams
    from ssops_ci.ops.doctor import codeowners

    owners = codeowners(tmp_path, teams.load(WorkTree(tmp_path)))  # what `ssops-ci doctor` checks
    assert len(owners) == 6 and all(c.ok for c in owners), owners
    assert (tmp_path / ".gitignore").read_text().splitlines() == list(starter.IGNORED)
    commit(repo, "ssops-ci init")

    root = str(tmp_path)
    assert run("new", "Queue", "--repo", root, "--team", "payments", "--name", "events", "--env", "dev").exit_code == 0
    assert run("validate", "--repo", root).exit_code == 0
    assert run("render", "--repo", root).exit_code == 0
    commit(repo, "a queue")
    repo.git.checkout("-b", "longer-retention")
    request = tmp_path / "requests/payments/events.yaml"
    request.write_text(request.read_text().replace("retentionDays: 4", "retentionDays: 7"))
    assert run("render", "--repo", root).exit_code == 0
    commit(repo, "keep messages a week")
    plan = run("plan", "--repo", root, "--base", "main", "--comment", str(tmp_path / "comment.md"))
    assert plan.exit_code == 0, plan.output
    assert "payments/events" in plan.output and "low" in plan.output
    assert "Low risk" in (tmp_path / "comment.md").read_text()


def test_nothing_is_overwritten_without_force(tmp_path: Path) -> None:
    assert run("init", "--repo", str(tmp_path)).exit_code == 0
    mine = tmp_path / "policies/risk.yaml"
    mine.write_text("# our own risk rules\n")
    (tmp_path / "templates/queue/main.tf.j2").unlink()
    (tmp_path / ".gitignore").write_text("node_modules/\n.venv/\n")

    refused = run("init", "--repo", str(tmp_path))
    assert refused.exit_code == 1
    assert "exists and differs: policies/risk.yaml" in refused.output and "nothing was written" in refused.output
    assert mine.read_text() == "# our own risk rules\n"
    assert not (tmp_path / "templates/queue/main.tf.j2").exists()  # not even the missing file

    forced = run("init", "--repo", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert "overwrote  policies/risk.yaml" in forced.output and "wrote      templates/queue/main.tf.j2" in forced.output
    assert mine.read_text() == (PROJECT / "policies/risk.yaml").read_text()
    # .gitignore is merged, never replaced: the team's lines stay
    assert (tmp_path / ".gitignore").read_text().splitlines() == ["node_modules/", ".venv/", ".ssops/", "__pycache__/"]
    again = run("init", "--repo", str(tmp_path))
    assert again.exit_code == 0 and "0 written, 0 overwritten" in again.output


def test_the_generated_workflows_pass_actionlint_and_zizmor(tmp_path: Path) -> None:
    assert run("init", "--repo", str(tmp_path)).exit_code == 0
    workflows = sorted(str(p) for p in (tmp_path / ".github/workflows").glob("*.yml"))
    lint = subprocess.run([str(BIN / "actionlint"), *workflows], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--min-severity", "low", str(tmp_path / ".github")],
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_a_self_install_the_rewrite_does_not_know_is_a_bug_not_a_silent_pass() -> None:
    text = "steps:\n  - run: python -m pip install --disable-pip-version-check .\n"
    pinned = starter.pinned_workflow(text, "x.yml", "1.2.3")
    assert "install --disable-pip-version-check --require-hashes --no-deps -r .github/ssops-ci.lock" in pinned
    with pytest.raises(AssertionError, match="not pinned"):
        starter.pinned_workflow("steps:\n  - run: pip install -e .\n", "x.yml")


@pytest.mark.slow
def test_the_wheel_installs_without_warnings_and_inits_from_its_own_starter(tmp_path: Path) -> None:
    """Build the wheel as a release would (isolated build), install it into a fresh venv and run `init` there."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path / "dist"), str(PROJECT)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    # a licence as a TOML table, a classifier licence or a data folder not declared all warn here
    assert "Warning:" not in build.stdout + build.stderr, build.stdout + build.stderr
    [wheel] = (tmp_path / "dist").glob("ssops_ci-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = z.read(f"ssops_ci-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "ssops_ci/starter/templates/queue/template.yaml" in names
    assert "ssops_ci/starter/.github/workflows/evaluate.yml" in names
    assert not any("__pycache__" in n for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    # the dependencies come from this environment; ssops-ci itself only from the wheel
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "checkov").is_dir())
    (site / "deps.pth").write_text(str(deps) + "\n")
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)]
    subprocess.run(pip, check=True, capture_output=True)
    target = tmp_path / "adopter"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "from ssops_ci.ops.init import starter_root; print(starter_root())"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
    cmd = [str(venv / "bin/ssops-ci"), "init", "--repo", str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    validate = subprocess.run([str(venv / "bin/ssops-ci"), "validate", "--repo", str(target)], env=env, cwd=tmp_path)
    assert validate.returncode == 0
