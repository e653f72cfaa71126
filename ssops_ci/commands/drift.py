from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters import audit
from ssops_ci.adapters.git import open_repo
from ssops_ci.app import drift


def run(repo_dir: Path, ref: str, engine: str | None, markdown: Path | None) -> int:
    repo = open_repo(repo_dir)
    result = drift.check(repo, ref, engine)
    audit.for_repo(repo).emit(
        "drift",
        sha=result.sha,
        checked=result.checked,
        drifted=[d.stack for d in result.drifted],
        errors=len(result.errors),
    )
    text = result.markdown()
    if markdown:
        markdown.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)
    return result.code
