from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.app.evaluate import evaluate
from ssops_ci.commands.base import ProgressBar, guarded, repo_option, warn
from ssops_ci.model.fmt import table
from ssops_ci.model.report import Report
from ssops_ci.ops import wiring
from ssops_ci.stages import sarif


def findings_text(report: Report) -> str:
    """Every finding as a row, then what to do, once per check."""
    lines = [f"POLICY ERROR {err}" for err in report.policy_errors]
    rows: list[list[str]] = []
    fixes: dict[str, str] = {}
    for s in report.stacks:
        for f in s.findings:
            mark = "BLOCKING" if f.blocking else ("waived" if f.waived else f.severity)
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or s.id)
            rows.append([mark, s.id, f.check_id, where, f.message.splitlines()[0] if f.message else ""])
            fixes.setdefault(f.check_id, f.remediation)
    if rows:
        lines += table(rows, ["severity", "stack", "check", "where", "finding"], "lllll")
        lines += ["", *(f"{check_id}  fix: {fix}" for check_id, fix in fixes.items())]
    blocking = sum(1 for row in rows if row[0] == "BLOCKING")
    lines.append(
        f"{len(rows)} finding(s), {blocking} blocking, {report.checks_passed} check(s) passed "
        f"across {len(report.stacks)} stack(s)"
    )
    return "\n".join(lines) + "\n"


@click.command()
@repo_option
@click.option("--base", required=True, help="The branch the change goes into (ref or SHA).")
@click.option("--head", default="HEAD", show_default=True)
@click.option("--sarif", "sarif_out", type=click.Path(dir_okay=False, path_type=Path), help="Write SARIF 2.1.0.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@guarded
def check(repo: Path, base: str, head: str, sarif_out: Path | None, json_out: Path | None) -> int:
    """Guardrails and security checks for BASE..HEAD (rules from BASE); exit 1 on a blocking finding."""
    svc = wiring.services(wiring.open_repository(repo), engine="static", warn=warn)
    report = evaluate(svc, base, head, progress=ProgressBar()).report
    if sarif_out:
        sarif_out.write_text(sarif.dumps(report), encoding="utf-8")
    if json_out:
        json_out.write_text(report.to_json(), encoding="utf-8")
    click.echo(findings_text(report), nl=False)
    return 1 if any(f.blocking for s in report.stacks for f in s.findings) else 0
