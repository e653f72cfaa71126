"""`ssops-ci lock`: pin this ssops-ci release and its dependencies, with hashes, for the workflows."""

from __future__ import annotations

from pathlib import Path

import click

from ssops_ci import __version__
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.ops import lock as locking


@click.command()
@repo_option
@click.option("--version", "version", default=__version__, show_default=True, help="The ssops-ci release to pin.")
@click.option("--find-links", multiple=True, help="Also look for packages here (a folder of wheels).")
@click.option("--no-index", is_flag=True, help="Use only --find-links, not the package index.")
@guarded
def lock(repo: Path, version: str, find_links: tuple[str, ...], no_index: bool) -> int:
    """Write .github/ssops-ci.lock: ssops-ci and every dependency pinned with their files' hashes, which the
    workflows install with --require-hashes. Needs the package index (or --find-links) and pip-tools."""
    click.echo(
        f"resolving ssops-ci=={version} and its dependencies with pip-compile, hashing every file the index "
        "offers for each (minutes on a slow mirror)...",
        err=True,
    )
    text = locking.compile_lock(version, list(find_links), no_index)
    wrong = locking.problems(text, version)
    if wrong:
        raise click.ClickException("the lock pip-compile wrote is unusable: " + "; ".join(wrong))
    target = repo / locking.LOCK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    pinned = locking.requirements(text)
    hashes = sum(n for _, n in pinned.values())
    click.echo(f"wrote {locking.LOCK}: ssops-ci=={version} and {len(pinned) - 1} dependencies, {hashes} hashes")
    return 0
