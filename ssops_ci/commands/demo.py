from __future__ import annotations

import os
from pathlib import Path

import click

from ssops_ci.commands.base import guarded
from ssops_ci.ops import demo as walkthrough


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to build the demo repository (default: a new temporary folder).",
)
@guarded
def demo(directory: Path | None) -> int:
    """Run the whole flow offline on a throwaway local repository (what `make demo` runs).

    Its records go to the repository's own git store, or to SSOPS_STORE (a postgresql:// URL)."""
    return walkthrough.run(directory, store=os.environ.get("SSOPS_STORE") or None)
