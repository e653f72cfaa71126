"""`ssops-ci policy check`: is every platform-owned file one the gate can run on?"""

from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.app.policy_check import FILES, check_policies
from ssops_ci.app.workspace import require_repository
from ssops_ci.commands.base import guarded, repo_option, work_tree


@click.group()
def policy() -> None:
    """The platform team's files: the catalog and policies/."""


@policy.command("check")
@repo_option
@guarded
def check(repo: Path) -> int:
    """Validate the catalog and every policy file at once, each problem at its file and line.

    The gate reads these from the base branch: a broken file merged there blocks every pull request."""
    tree = work_tree(repo)
    require_repository(tree, str(tree.root))
    problems = check_policies(tree)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s); the gate would fail closed on this tree", err=True)
        return 1
    click.echo(f"ok: {FILES}")
    return 0
