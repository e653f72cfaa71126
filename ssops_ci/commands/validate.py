from __future__ import annotations

from pathlib import Path

import click

from ssops_ci import requests
from ssops_ci.commands import repo_relative, workspace


def run(repo: Path, paths: tuple[str, ...]) -> int:
    tree, g = workspace(repo)
    selected = repo_relative(repo, paths) if paths else None
    if selected is not None:
        expanded: list[str] = []
        for p in selected:
            inside = list(tree.files(p))
            expanded.extend(inside or [p])
        selected = expanded
    loaded = requests.load_all(tree, g.catalog, g.teams, selected)
    for problem in loaded.problems:
        click.echo(str(problem), err=True)
    n = len(loaded.requests)
    if loaded.problems:
        bad = len(loaded.invalid)
        click.echo(f"{bad} request file(s) invalid, {n} valid", err=True)
        return 1
    click.echo(f"ok: {n} request(s) valid")
    return 0
