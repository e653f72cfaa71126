from __future__ import annotations

import json
from pathlib import Path

import click
from pydantic import ValidationError

from ssops_ci.app.apply import describe
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.forge import forge_options, make_forge, report_url
from ssops_ci.commands.records import open_records
from ssops_ci.model.apply import ApplyRun
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import wiring
from ssops_ci.stages.affected import per_stack_matrix

RESULT_FILE = "apply.json"


def _parts(root: Path) -> list[ApplyRun]:
    """The matrix jobs' results, one `apply.json` each anywhere under `root` (written by our own privileged
    jobs, still read strictly). A job that left none is reported by `join` as without a result."""
    parts = []
    for path in sorted(root.rglob(RESULT_FILE)) if root.is_dir() else []:
        try:
            parts.append(ApplyRun.model_validate_json(path.read_bytes()))
        except ValidationError as e:
            raise SsopsError(f"{path}: not an ssops-ci apply result: {e.errors()[0]['msg']}") from None
    return parts


@click.command("apply")
@repo_option
@click.option("--sha", required=True, help="The commit on the default branch to apply (a merge).")
@click.option("--branch", default="main", show_default=True, help="The default branch; only its merges are applied.")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--parallel", type=click.IntRange(1, 64), help="Stacks at once (default: apply_parallelism).")
@click.option("--lock-timeout", default=600.0, show_default=True, help="Seconds to wait for a stack's lock.")
@click.option("--matrix", "as_matrix", is_flag=True, help="Print count= and matrix= for $GITHUB_OUTPUT; apply nothing.")
@click.option("--stacks", help="In a matrix job: apply only these stacks (space-separated) and leave the reporting.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="With --stacks: write the result here.")
@click.option(
    "--join",
    "join_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report the results the matrix jobs left under DIR (their apply.json files) as one apply.",
)
@forge_options
@guarded
def apply(
    repo: Path,
    sha: str,
    branch: str,
    engine: str | None,
    parallel: int | None,
    lock_timeout: float,
    as_matrix: bool,
    stacks: str | None,
    out: Path | None,
    join_dir: Path | None,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """Apply the stacks a merged commit changed; report back on its pull request.

    On GitHub the apply fans out: `--matrix` lists one job per stack, each job applies `--stacks` under a
    per-stack concurrency group, and `--join` reports them once."""
    repository = wiring.open_repository(repo)
    kept = open_records(repository)
    if as_matrix:
        ids = wiring.applier(repository, engine=engine, kept=kept, branch=branch).stacks(sha)
        click.echo(f"count={len(ids)}\nmatrix={json.dumps(per_stack_matrix(ids))}")
        return 0
    reporting = stacks is None  # a matrix job's stacks are reported once, by --join
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    applier = wiring.applier(
        repository,
        forge=forge,
        engine=engine,
        parallel=parallel,
        lock_timeout=lock_timeout,
        kept=kept,
        branch=branch,
        run_url=report_url(),
    )
    if join_dir is not None:
        result = applier.join(sha, _parts(join_dir))
    else:
        result = applier.run(sha, stacks.split() if stacks else None, report=reporting)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / RESULT_FILE).write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    click.echo(describe(result))
    return 0 if result.ok else 1
