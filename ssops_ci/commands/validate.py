from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.commands import selected_files, workspace
from ssops_ci.stages import validate as requests


def run(repo: Path, paths: tuple[str, ...]) -> int:
    tree, g = workspace(repo)
    loaded = requests.load_all(tree, g.catalog, g.teams, selected_files(tree, repo, paths))
    for problem in loaded.problems:
        click.echo(str(problem), err=True)
    n = len(loaded.requests)
    if loaded.problems:
        bad = len(loaded.invalid)
        click.echo(f"{bad} request file(s) invalid, {n} valid", err=True)
        return 1
    click.echo(f"ok: {n} request(s) valid")
    return 0
