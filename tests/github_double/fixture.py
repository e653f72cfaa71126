"""Wiring for tests: a developer clone, a bare origin served by the double, and a CI checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import git
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ssops_ci.adapters.github import GitHubForge
from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.pull_request import PullRequests
from ssops_ci.config.teams import load as load_teams
from tests.conftest import PROJECT, Repo, pull_requests
from tests.github_double.server import GitHubDouble

APP_ID, APP_SLUG = 9001, "ssops-ci"
APP_PERMISSIONS = {
    "contents": "write",
    "pull_requests": "write",
    "issues": "write",
    "checks": "write",
    "statuses": "write",
    "actions": "write",
    "deployments": "write",
    "metadata": "read",
}


def app_key() -> tuple[str, str]:
    """A fresh RSA key pair for a test GitHub App: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class World:
    dev: Repo  # where developers commit and push
    origin: git.Repo  # the "GitHub" repository (bare)
    ci: git.Repo  # the Actions checkout ssops-ci runs in
    double: GitHubDouble
    app_private_key: str = ""

    def push(self, branch: str, who: str = "alice") -> str:
        before = self.origin.git.rev_parse("--verify", "-q", f"refs/heads/{branch}", with_exceptions=False) or None
        token = f"{who}-token" if f"{who}-token" in self.double.tokens else self.double.person(who)
        # A developer pushes with their own credentials (the double's push hook checks them).
        pushed = subprocess.run(
            ["git", "push", "-q", "-f", "origin", f"{branch}:{branch}"],
            cwd=self.dev.root,
            env={**os.environ, "GITHUB_TOKEN": token},
            capture_output=True,
            text=True,
            check=False,
        )
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        self.double.pushed(branch, before, who)
        return self.dev.git("rev-parse", branch)

    def fetch(self) -> None:
        self.ci.git.fetch(
            "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/heads/*:refs/heads/*", update_head_ok=True
        )

    def forge(self, **kw: object) -> GitHubForge:
        opts: dict[str, object] = {
            "token": "ci-token",
            "base_url": self.double.url,
            "backoff": 0.01,
            "timeout": 5,
            "paced": False,
        }
        opts.update(kw)
        return GitHubForge("acme/ssops", **opts)  # type: ignore[arg-type]

    def app_forge(self, **kw: object) -> GitHubForge:
        """The forge as the ssops-ci GitHub App sees it (an installation token minted with its key)."""
        return self.forge(token=None, app_id=str(APP_ID), private_key=self.app_private_key, **kw)

    def install_app(self) -> None:
        private, public = app_key()
        self.app_private_key = private
        self.double.install_app(APP_ID, APP_SLUG, public, APP_PERMISSIONS)

    def loop(self, *, app: bool = False, **kw: object) -> PullRequests:
        self.fetch()
        return pull_requests(self.ci, self.app_forge(**kw) if app else self.forge(**kw))

    def branch_with(
        self, branch: str, files: dict[str, str], *, render: bool = True, remove: list[str] | None = None
    ) -> str:
        self.dev.branch(branch)
        for path, text in files.items():
            self.dev.write(path, text)
        for path in remove or []:
            self.dev.remove(path)
        self.dev.commit(branch, render=render)
        sha = self.push(branch)
        self.dev.git("checkout", "-q", "main")
        return sha

    def main_sha(self) -> str:
        return self.origin.git.rev_parse("refs/heads/main")


def make_world(dev: Repo, tmp: Path) -> World:
    """The repository with ssops-ci's real workflow files, as an adopting repository has them (not ci.yml, which
    runs ssops-ci's own test suite)."""
    shutil.copytree(
        PROJECT / ".github", dev.root / ".github", dirs_exist_ok=True, ignore=shutil.ignore_patterns("ci.yml")
    )
    dev.commit("the ssops-ci workflows", render=False)
    origin = git.Repo.clone_from(str(dev.root), str(tmp / "origin.git"), bare=True)
    dev.git("remote", "add", "origin", str(tmp / "origin.git"))
    ci = git.Repo.clone_from(str(tmp / "origin.git"), str(tmp / "ci"))
    double = GitHubDouble(origin).start()
    # The teams of policies/teams.yaml are the repository's collaborators with write access, as on an
    # organisation repository whose teams have the write role; anyone else reads only.
    for team in load_teams(WorkTree(dev.root)).teams.values():
        for login in team.members:
            if login not in double.roles:
                double.person(login, "write")
    return World(dev, origin, ci, double)
