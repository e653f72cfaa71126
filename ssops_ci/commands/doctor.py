from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters.github import GitHubForge, event_context
from ssops_ci.commands import workspace
from ssops_ci.model.forge import ForgeError
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import doctor


def run(repo: Path, github_repo: str | None, api_url: str | None, offline: bool) -> int:
    tree, g = workspace(repo)
    checks = doctor.codeowners(tree.root, g.teams) + doctor.workflows(tree.root)
    if not offline:
        slug = github_repo or event_context()[0]
        if not slug:
            raise SsopsError("which repository? pass --github-repo OWNER/NAME, or --offline for local checks only")
        try:
            checks += doctor.remote(GitHubForge(slug, base_url=api_url, attempts=2), g.teams)
        except ForgeError as e:
            raise SsopsError(str(e)) from None
    for c in checks:
        click.echo(f"{'ok  ' if c.ok else 'FAIL'} {c.what}" + ("" if c.ok else f"\n     fix: {c.fix}"))
    failed = sum(1 for c in checks if not c.ok)
    click.echo(f"{len(checks) - failed} of {len(checks)} checks pass")
    return 1 if failed else 0
