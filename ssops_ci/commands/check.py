from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters.git import open_repo
from ssops_ci.app import evaluate as pipeline
from ssops_ci.commands import ProgressBar
from ssops_ci.model.report import Report
from ssops_ci.stages import sarif


def findings_text(report: Report) -> str:
    lines = []
    for err in report.policy_errors:
        lines.append(f"POLICY ERROR {err}")
    total = blocking = 0
    for s in report.stacks:
        for f in s.findings:
            total += 1
            blocking += f.blocking
            mark = "BLOCKING" if f.blocking else ("waived" if f.waived else f.severity)
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or s.id)
            lines.append(f"{mark:<9} {s.id:<28} {f.check_id:<40} {where}")
            lines.append(f"          {f.message}")
            lines.append(f"          fix: {f.remediation}")
    lines.append(
        f"{total} finding(s), {blocking} blocking, {report.checks_passed} check(s) passed "
        f"across {len(report.stacks)} stack(s)"
    )
    return "\n".join(lines) + "\n"


def run(repo_dir: Path, base: str, head: str, sarif_out: Path | None, json_out: Path | None) -> int:
    planned = pipeline.evaluate(open_repo(repo_dir), base, head, engine="static", progress=ProgressBar())
    report = planned.report
    if sarif_out:
        sarif_out.write_text(sarif.dumps(report), encoding="utf-8")
    if json_out:
        json_out.write_text(report.to_json(), encoding="utf-8")
    click.echo(findings_text(report), nl=False)
    return 1 if any(f.blocking for s in report.stacks for f in s.findings) else 0
