"""`ssops-ci init`: a starter catalog, policies, pinned workflows and CODEOWNERS in a repository."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ssops_ci import __version__
from ssops_ci.commands.base import guarded
from ssops_ci.ops import init as starter

NEXT = """
next:
  1. edit policies/teams.yaml (your GitHub org and teams) and policies/platform.yaml (accounts, regions),
     then `ssops-ci doctor --offline`
  2. `ssops-ci lock` (needs the package index and pip-tools: pip install 'ssops-ci[lock]'): writes
     .github/ssops-ci.lock, which the workflows install with every hash checked
  3. `ssops-ci new` to write a first request, `ssops-ci validate`, `ssops-ci render`
  4. commit, push, and protect the default branch (README: "Adopt in your repository")"""


@click.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="The repository to set up (created if missing).",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist and differ from the starter.")
@guarded
def init(repo: Path, force: bool) -> int:
    """Turn a repository into an ssops-ci repository: starter catalog and policies, workflows pinned to
    this version, CODEOWNERS, .gitignore. Never overwrites a file without --force."""
    repo.mkdir(parents=True, exist_ok=True)
    planned = starter.plan(repo, force)
    conflicts = [p.path for p in planned if p.action == "conflict"]
    if conflicts:
        for path in conflicts:
            click.echo(f"exists and differs: {path}", err=True)
        click.echo(
            f"{len(conflicts)} file(s) would be overwritten; nothing was written. "
            "Rerun with --force to replace them with the starter's.",
            err=True,
        )
        return 1
    starter.write(repo, planned)
    verbs = {"create": "wrote", "overwrite": "overwrote", "unchanged": "unchanged"}
    for p in planned:
        click.echo(f"{verbs[p.action]:<10} {p.path}")
    counts = Counter(p.action for p in planned)
    click.echo(
        f"ssops-ci {__version__}: {counts['create']} written, {counts['overwrite']} overwritten, "
        f"{counts['unchanged']} unchanged" + NEXT
    )
    return 0
