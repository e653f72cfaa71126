"""`ssops-ci lock` pins a release and its dependencies with hashes; pip then installs only those bytes.

Real pip-compile and real `pip install --require-hashes` into a fresh venv, offline, over a folder of
wheels: a stand-in `ssops-ci` release (the real one would resolve checkov's hundred dependencies from the
index, minutes of work this suite does not need to prove the mechanism) and one dependency.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssops_ci.commands.cli import cli
from ssops_ci.ops import lock as locking
from ssops_ci.ops.lock import lock_checks

pytestmark = pytest.mark.slow


def wheel(src: Path, dist: Path, name: str, version: str, requires: list[str], body: str) -> Path:
    """Build a real wheel of a one-module project with the setuptools already installed (no index)."""
    project = src / f"{name}-{version}"
    module = name.replace("-", "_")
    (project / module).mkdir(parents=True)
    (project / module / "__init__.py").write_text(body)
    deps = ", ".join(f'"{r}"' for r in requires)
    (project / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{deps}]\n'
        f'[tool.setuptools]\npackages = ["{module}"]\n'
    )
    before = set(dist.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist)]
    subprocess.run([*cmd, str(project)], check=True, capture_output=True)
    [built] = set(dist.glob("*.whl")) - before
    return built


def install(venv: Path, dist: Path, lock: Path) -> subprocess.CompletedProcess[str]:
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-index"]
    cmd = [*pip, "--find-links", str(dist), "--require-hashes", "--no-deps", "-r", str(lock)]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_the_lock_pins_every_file_and_pip_installs_only_those_bytes(tmp_path: Path) -> None:
    dist, src, repo = tmp_path / "dist", tmp_path / "src", tmp_path / "repo"
    dist.mkdir()
    release = wheel(src, dist, "ssops-ci", "9.9.9", ["ssops-lock-probe==1.0"], "VERSION = '9.9.9'\n")
    probe = wheel(src, dist, "ssops-lock-probe", "1.0", [], "ORIGINAL = True\n")
    (repo / ".github/workflows").mkdir(parents=True)
    step = "      - run: python -m pip install --require-hashes --no-deps -r .github/ssops-ci.lock\n"
    (repo / ".github/workflows/apply.yml").write_text("jobs:\n  a:\n    steps:\n" + step)
    assert [c.ok for c in lock_checks(repo, "9.9.9")] == [False]  # the workflows need a lock nobody wrote yet

    args = ["lock", "--repo", str(repo), "--version", "9.9.9", "--no-index", "--find-links", str(dist)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output + str(result.exception)
    assert "wrote .github/ssops-ci.lock: ssops-ci==9.9.9 and 1 dependencies, 2 hashes" in result.output
    text = (repo / locking.LOCK).read_text()
    assert locking.requirements(text) == {"ssops-ci": ("9.9.9", 1), "ssops-lock-probe": ("1.0", 1)}
    assert f"--hash=sha256:{hashlib.sha256(release.read_bytes()).hexdigest()}" in text
    assert f"--hash=sha256:{hashlib.sha256(probe.read_bytes()).hexdigest()}" in text
    assert "--find-links" not in text and "index-url" not in text  # no local paths or mirrors leak into it
    assert all(c.ok for c in lock_checks(repo, "9.9.9"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = install(venv, dist, repo / locking.LOCK)
    assert done.returncode == 0, done.stdout + done.stderr

    # The index now serves other bytes under the same version: pip refuses them.
    probe.unlink()
    wheel(tmp_path / "src2", dist, "ssops-lock-probe", "1.0", [], "ORIGINAL = False  # swapped\n")
    fresh = tmp_path / "venv2"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True)
    refused = install(fresh, dist, repo / locking.LOCK)
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr


def test_a_lock_without_hashes_or_ssops_ci_is_said_so() -> None:
    assert locking.problems("requests==2.32.3\n") == ["requests==2.32.3 has no --hash", "it does not pin ssops-ci"]
    text = "ssops-ci==0.1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    assert locking.problems(text, "0.2.0") == ["it pins ssops-ci==0.1.0, not the installed 0.2.0: run `ssops-ci lock`"]
