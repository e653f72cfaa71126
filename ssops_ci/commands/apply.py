from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters import audit
from ssops_ci.adapters.git import open_repo
from ssops_ci.app import apply
from ssops_ci.commands.pr import make_forge
from ssops_ci.model.forge import ForgeError
from ssops_ci.model.problems import SsopsError


def run(
    repo_dir: Path,
    sha: str,
    engine: str | None,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
    parallel: int | None,
    lock_timeout: float,
) -> int:
    repo = open_repo(repo_dir)
    forge = make_forge(forge_kind, repo, github_repo, api_url)
    applier = apply.Applier(
        repo, engine=engine, forge=forge, audit=audit.for_repo(repo), parallel=parallel, lock_timeout=lock_timeout
    )
    try:
        result = applier.run(sha)
    except ForgeError as e:
        raise SsopsError(f"the stacks were applied, but the result could not be posted: {e}") from None
    click.echo(apply.describe(result))
    return 0 if result.ok else 1
