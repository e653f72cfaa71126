"""Wiring for tests: a developer clone, a bare origin served by the double, and a CI checkout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from ssops_ci.adapters.github import GitHubForge
from ssops_ci.app.pull_request import PullRequests
from tests.conftest import Repo, pull_requests
from tests.github_double.server import GitHubDouble


@dataclass
class World:
    dev: Repo  # where developers commit and push
    origin: git.Repo  # the "GitHub" repository (bare)
    ci: git.Repo  # the Actions checkout ssops-ci runs in
    double: GitHubDouble

    def push(self, branch: str) -> str:
        self.dev.git("push", "-q", "-f", "origin", f"{branch}:{branch}")
        return self.dev.git("rev-parse", branch)

    def fetch(self) -> None:
        self.ci.git.fetch("-q", "origin", "+refs/heads/*:refs/remotes/origin/*")

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

    def loop(self, **kw: object) -> PullRequests:
        self.fetch()
        return pull_requests(self.ci, self.forge(**kw))

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
    origin = git.Repo.clone_from(str(dev.root), str(tmp / "origin.git"), bare=True)
    dev.git("remote", "add", "origin", str(tmp / "origin.git"))
    ci = git.Repo.clone_from(str(tmp / "origin.git"), str(tmp / "ci"))
    double = GitHubDouble(origin).start()
    return World(dev, origin, ci, double)
