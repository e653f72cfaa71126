"""Findings as GitHub Actions workflow commands: each shows on the pull request's diff, at its line.

Messages carry request values, so everything is escaped the way the runner unescapes it: a value can
never end the command or start another one.
"""

from __future__ import annotations

from ssops_ci.model.report import Report

MAX_PER_LEVEL = 50  # GitHub shows the first ten of each level per step; the rest stay in the log


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(report: Report) -> list[str]:
    """`::error` for blocking findings, `::warning` for the rest (accepted and informational ones stay out)."""
    out: dict[str, list[str]] = {"error": [], "warning": []}
    for s in report.stacks:
        for f in s.findings:
            if f.severity == "info" and not f.blocking:
                continue
            level = "error" if f.blocking else "warning"
            props = [f"title={_property(f'{f.check_id} ({s.id})')}"]
            if f.file:
                props.insert(0, f"file={_property(f.file)}")
                if f.line:
                    props.insert(1, f"line={f.line}")
            out[level].append(f"::{level} {','.join(props)}::{_data(f'{f.message}. Fix: {f.remediation}')}")
    return out["error"][:MAX_PER_LEVEL] + out["warning"][:MAX_PER_LEVEL]
