from __future__ import annotations

import json
import os
from pathlib import Path

import click
from pydantic import ValidationError

from ssops_ci.app.evaluate import evaluate
from ssops_ci.app.scope import scope
from ssops_ci.commands.base import ProgressBar, guarded, repo_option, warn
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Report
from ssops_ci.ops import wiring
from ssops_ci.stages import comment
from ssops_ci.stages.affected import matrix
from ssops_ci.stages.annotations import workflow_commands
from ssops_ci.stages.report import merge, summary_text


def write_outputs(report: Report, json_out: Path | None, comment_out: Path | None = None) -> None:
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.to_json(), encoding="utf-8")
    if comment_out:
        comment_out.parent.mkdir(parents=True, exist_ok=True)
        comment_out.write_text(comment.render(report), encoding="utf-8")
    click.echo(summary_text(report), nl=False)
    publish_in_actions(report)


def publish_in_actions(report: Report) -> None:
    """In GitHub Actions: findings as annotations on the diff, and the PR comment as the job summary."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in workflow_commands(report):
            click.echo(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as f:
            f.write(comment.render(report) + "\n")


def load_report(path: Path) -> Report:
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as e:
        raise SsopsError(f"cannot read report {path}: {e.strerror}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise SsopsError(f"{path} is not an ssops-ci report: {where}: {first['msg']}") from None


@click.command()
@repo_option
@click.option("--base", required=True, help="The branch the change goes into (ref or SHA).")
@click.option("--head", default="HEAD", show_default=True, help="The change (ref or SHA).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--stack", "stacks", multiple=True, help="Plan only this stack (repeatable), e.g. in a matrix job.")
@click.option("--matrix", "as_matrix", is_flag=True, help="Print the affected stacks as a GitHub Actions matrix.")
@click.option("--comment", "comment_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the PR comment.")
@guarded
def plan(
    repo: Path,
    base: str,
    head: str,
    json_out: Path | None,
    engine: str | None,
    stacks: tuple[str, ...],
    as_matrix: bool,
    comment_out: Path | None,
) -> int:
    """Plan, check, price and risk-tier BASE..HEAD; print a summary, write the report and comment."""
    repository = wiring.open_repository(repo)
    if as_matrix:
        click.echo(json.dumps(matrix(scope(repository, base, head).affected)))
        return 0
    svc = wiring.services(repository, engine=engine, warn=warn)
    report = evaluate(svc, base, head, only=list(stacks) or None, progress=ProgressBar()).report
    write_outputs(report, json_out, comment_out)
    return 1 if any(s.status == "error" for s in report.stacks) else 0


@click.command("merge-reports")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@guarded
def merge_reports(files: tuple[Path, ...], json_out: Path) -> int:
    """Combine the per-group reports of a matrix fan-out into one."""
    merged = merge([load_report(f) for f in files])
    write_outputs(merged, json_out)
    return 1 if any(s.status == "error" for s in merged.stacks) else 0
