from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ssops_ci.adapters.clock import SystemClock
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.report import report as figures
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.records import open_records
from ssops_ci.config import objectives
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import metrics_html, wiring


def _goals(repository: GitRepository) -> objectives.Objectives:
    """The targets in the checked-out revision; a records-only clone with no commit uses the defaults."""
    try:
        head = repository.resolve("HEAD")
    except SsopsError:
        return objectives.Objectives()
    return objectives.load(repository.tree(head))


@click.command()
@repo_option
@click.option("--since", help="Only pull requests opened on or after this date (YYYY-MM-DD).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report.")
@click.option(
    "--markdown",
    "markdown_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report as Markdown (for example to $GITHUB_STEP_SUMMARY); appends to an existing file.",
)
@click.option("--json", "json_out", is_flag=True, help="Machine-readable output.")
@guarded
def report(repo: Path, since: str | None, html_out: Path | None, markdown_out: Path | None, json_out: bool) -> int:
    """Service levels against policies/objectives.yaml, lead times, denials, cost, the queue: from the store."""
    try:
        start = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise SsopsError(f"--since {since!r} is not a date; use YYYY-MM-DD") from None
    repository = wiring.open_repository(repo)
    kept = open_records(repository)
    goals = _goals(repository)
    m, problems = figures(kept.trail, start, goals, SystemClock())
    if html_out:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(metrics_html.html(m, kept.store.location, problems), encoding="utf-8")
    if markdown_out:
        with markdown_out.open("a", encoding="utf-8") as out:
            out.write(metrics_html.markdown(m, kept.store.location, problems))
    click.echo(m.model_dump_json(indent=2) if json_out else metrics_html.text(m, problems), nl=not json_out)
    if html_out:
        click.echo(f"wrote {html_out}", err=True)
    return 0
