from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ssops_ci.adapters import audit
from ssops_ci.adapters.git import open_repo
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import metrics_report as render
from ssops_ci.stages import metrics


def run(repo_dir: Path, since: str | None, html_out: Path | None, json_out: bool, log: Path | None) -> int:
    path = log or audit.root_of(open_repo(repo_dir)) / audit.FILE
    if not path.exists():
        raise SsopsError(f"no audit log at {path}; it is written by `ssops-ci pr ...` and `ssops-ci apply`")
    read = audit.AuditLog(path).read()
    problems = [str(p) for p in read.problems]
    try:
        start = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise SsopsError(f"--since {since!r} is not a date; use YYYY-MM-DD") from None
    m = metrics.compute(read.events, start)
    if html_out:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render.html(m, str(path), problems), encoding="utf-8")
    click.echo(m.model_dump_json(indent=2) if json_out else render.text(m, problems), nl=not json_out)
    if html_out:
        click.echo(f"wrote {html_out}", err=True)
    return 0
