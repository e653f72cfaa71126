from __future__ import annotations

import os
from pathlib import Path

import click

from ssops_ci import __version__
from ssops_ci.adapters.github import GitHubForge, event_context
from ssops_ci.commands.base import guarded, repo_option, workspace
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import doctor as checks
from ssops_ci.ops.lock import lock_checks


@click.command()
@repo_option
@click.option("--github-repo", help="OWNER/NAME (default: from the Actions environment).")
@click.option("--api-url", help="GitHub API base URL, for GitHub Enterprise.")
@click.option("--offline", is_flag=True, help="Only the checks that need no API (CODEOWNERS, workflows).")
@guarded
def doctor(repo: Path, github_repo: str | None, api_url: str | None, offline: bool) -> int:
    """Check the repository settings the gate relies on, and say how to fix what is missing."""
    tree, g = workspace(repo)
    found = checks.codeowners(tree.root, g.teams) + checks.workflows(tree.root)
    found += checks.terraform_pinned(tree.root, g.platform.terraform.version)
    found += lock_checks(tree.root, __version__)
    if not offline:
        slug = github_repo or event_context()[0]
        if not slug:
            raise SsopsError("which repository? pass --github-repo OWNER/NAME, or --offline for local checks only")
        found += checks.remote(GitHubForge(slug, base_url=api_url, attempts=2), g.teams, os.environ.get("SSOPS_APP_ID"))
    for c in found:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}[c.status]
        click.echo(f"{mark} {c.what}" + ("" if c.status == "ok" else f"\n     fix: {c.fix}"))
    failed = sum(1 for c in found if c.status == "fail")
    click.echo(f"{sum(1 for c in found if c.status == 'ok')} of {len(found)} checks pass")
    return 1 if failed else 0
