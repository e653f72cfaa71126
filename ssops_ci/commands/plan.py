from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ssops_ci.adapters.git import open_repo
from ssops_ci.app import evaluate as pipeline
from ssops_ci.app import plan as planner
from ssops_ci.commands import ProgressBar
from ssops_ci.model import report as report_mod
from ssops_ci.model.report import Report
from ssops_ci.stages import comment


def write_outputs(report: Report, json_out: Path | None, comment_out: Path | None = None) -> None:
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.to_json(), encoding="utf-8")
    if comment_out:
        comment_out.parent.mkdir(parents=True, exist_ok=True)
        comment_out.write_text(comment.render(report), encoding="utf-8")
    text = report_mod.summary_text(report)
    click.echo(text, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as f:
            f.write("```\n" + text + "```\n")


def run(
    repo_dir: Path,
    base: str,
    head: str,
    json_out: Path | None,
    engine: str | None,
    stacks: tuple[str, ...],
    as_matrix: bool,
    comment_out: Path | None = None,
) -> int:
    repo = open_repo(repo_dir)
    if as_matrix:
        found, _, _ = planner.affected_stacks(repo, base, head)
        click.echo(json.dumps(planner.matrix(found)))
        return 0
    report = pipeline.evaluate(
        repo, base, head, engine=engine, only=list(stacks) or None, progress=ProgressBar()
    ).report
    write_outputs(report, json_out, comment_out)
    return 1 if any(s.status == "error" for s in report.stacks) else 0


def merge(files: tuple[Path, ...], json_out: Path) -> int:
    merged = report_mod.merge([report_mod.load(f) for f in files])
    write_outputs(merged, json_out)
    return 1 if any(s.status == "error" for s in merged.stacks) else 0
