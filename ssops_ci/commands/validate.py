from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.app.workspace import validate_requests
from ssops_ci.commands.base import guarded, repo_option, selected_files, workspace


@click.command()
@repo_option
@click.argument("paths", nargs=-1)
@guarded
def validate(repo: Path, paths: tuple[str, ...]) -> int:
    """Validate requests (default: every file under requests/)."""
    tree, s = workspace(repo)
    checked = validate_requests(tree, s, selected_files(tree, repo, paths))
    for problem in checked.problems:
        click.echo(str(problem), err=True)
    n = len(checked.requests)
    if checked.problems:
        click.echo(f"{len(checked.invalid)} request file(s) invalid, {n} valid", err=True)
        return 1
    click.echo(f"ok: {n} request(s) valid")
    return 0
