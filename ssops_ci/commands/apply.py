from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.app.apply import describe
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.forge import forge_options, make_forge
from ssops_ci.ops import wiring


@click.command("apply")
@repo_option
@click.option("--sha", required=True, help="The commit on the default branch to apply (a merge).")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--parallel", type=click.IntRange(1, 64), help="Stacks at once (default: apply_parallelism).")
@click.option("--lock-timeout", default=600.0, show_default=True, help="Seconds to wait for a stack's lock.")
@forge_options
@guarded
def apply(
    repo: Path,
    sha: str,
    engine: str | None,
    parallel: int | None,
    lock_timeout: float,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """Apply the stacks a merged commit changed; report back on its pull request."""
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    applier = wiring.applier(repository, forge=forge, engine=engine, parallel=parallel, lock_timeout=lock_timeout)
    result = applier.run(sha)
    click.echo(describe(result))
    return 0 if result.ok else 1
