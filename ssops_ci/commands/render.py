from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters.worktree import write_rendered
from ssops_ci.app.workspace import render_requests
from ssops_ci.commands.base import guarded, repo_option, workspace


@click.command()
@repo_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every out-of-date file.")
@guarded
def render(repo: Path, check: bool) -> int:
    """Render every request to rendered/<team>/<name>/."""
    tree, s = workspace(repo)
    result = render_requests(tree, s)
    if result.problems:
        for p in sorted(result.problems):
            click.echo(str(p), err=True)
        click.echo("nothing written: fix the problems above and run `ssops-ci render` again", err=True)
        return 1
    if check:
        for m in result.mismatches:
            click.echo(str(m), err=True)
        if result.mismatches:
            click.echo(
                f"{len(result.mismatches)} file(s) under rendered/ are out of date: run `ssops-ci render`", err=True
            )
            return 1
        click.echo(f"ok: rendered/ matches {len(result.stacks)} request(s)")
        return 0
    write_rendered(tree.root, result.stacks, result.mismatches)
    for m in result.mismatches:
        verb = "removed" if m.state in ("unexpected", "orphaned") else "wrote"
        click.echo(f"{verb} {m.path}")
    click.echo(f"rendered {len(result.stacks)} stack(s), {len(result.mismatches)} file(s) changed")
    return 0
