from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.commands import workspace
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.stages import rendered as stackfiles
from ssops_ci.stages import validate as requests
from ssops_ci.stages.render import Renderer, Stack


def render_all(loaded: requests.Loaded, renderer: Renderer) -> tuple[list[Stack], list[Problem]]:
    stacks, problems = [], list(loaded.problems)
    for req in loaded.requests:
        try:
            stacks.append(renderer.render(req))
        except InputError as e:
            problems.extend(e.problems)
    return stacks, problems


def run(repo: Path, check: bool) -> int:
    tree, g = workspace(repo)
    loaded = requests.load_all(tree, g.catalog, g.teams)
    stacks, problems = render_all(loaded, Renderer(g.catalog, g.platform))
    if problems:
        for p in sorted(problems):
            click.echo(str(p), err=True)
        click.echo("nothing written: fix the problems above and run `ssops-ci render` again", err=True)
        return 1
    mismatches = stackfiles.compare(tree, stacks)
    if check:
        for m in mismatches:
            click.echo(str(m), err=True)
        if mismatches:
            click.echo(f"{len(mismatches)} file(s) under rendered/ are out of date: run `ssops-ci render`", err=True)
            return 1
        click.echo(f"ok: rendered/ matches {len(stacks)} request(s)")
        return 0
    stackfiles.write(tree.root, stacks, mismatches)
    for m in mismatches:
        verb = "removed" if m.state in ("unexpected", "orphaned") else "wrote"
        click.echo(f"{verb} {m.path}")
    click.echo(f"rendered {len(stacks)} stack(s), {len(mismatches)} file(s) changed")
    return 0
