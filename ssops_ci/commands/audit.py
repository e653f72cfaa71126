from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.records import open_records
from ssops_ci.ops import wiring
from ssops_ci.stages import chain


@click.group()
def audit() -> None:
    """The audit trail in the store."""


@audit.command("verify")
@repo_option
@guarded
def verify(repo: Path) -> int:
    """Walk the hash chain; exit 1 naming the first event that does not fit."""
    kept = open_records(wiring.open_repository(repo))
    read = kept.store.events()
    for problem in read.problems:
        click.echo(f"unreadable: {problem}")
    broken = chain.verify(read.events)
    if broken is None and not read.problems:
        click.echo(f"{len(read.events)} event(s) in {kept.store.location}: the chain is intact")
        return 0
    if broken is not None:
        click.echo(f"the chain breaks at {broken}")
    return 1
