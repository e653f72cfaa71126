"""Which forge a command talks to, from its flags and the GitHub Actions environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.github import GitHubForge, event_context
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import Forge

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option(
        "--forge",
        "forge_kind",
        type=click.Choice(["local", "github"]),
        help="Default: github inside GitHub Actions, else the local forge in .git/ssops/.",
    ),
    click.option("--github-repo", help="OWNER/NAME (default: from the Actions event)."),
    click.option("--api-url", help="GitHub API base URL, for GitHub Enterprise (default: $GITHUB_API_URL)."),
]


def forge_options(f: F) -> F:
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def make_forge(kind: str | None, repo: GitRepository, github_repo: str | None, api_url: str | None) -> Forge:
    kind = kind or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "local")
    if kind == "local":
        return LocalForge(repo.git)
    slug = github_repo or event_context()[0]
    if not slug:
        raise SsopsError("which repository? pass --github-repo OWNER/NAME (or run inside GitHub Actions)")
    # GitHub asks integrations to space writes about a second apart; SSOPS_GITHUB_PACING=off drops that
    # where no secondary rate limit applies (a GitHub Enterprise Server that disabled them, a test double).
    paced = os.environ.get("SSOPS_GITHUB_PACING", "on").lower() not in ("off", "0", "false")
    return GitHubForge(slug, base_url=api_url, paced=paced)


def pr_number(number: int | None) -> int:
    if number is not None:
        return number
    found = event_context()[1]
    if found is None:
        raise SsopsError("which pull request? pass its number (or run from a pull_request event)")
    return found


def report_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None
