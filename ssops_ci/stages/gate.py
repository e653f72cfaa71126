"""What the gate checks itself instead of trusting an evaluation it did not run.

The report comes from an unprivileged job that handled the pull request's content; the forge's own list
of changed files decides what is governance, and every request or rendered file the PR changes must
be covered by a stack in the report. A report that was tampered with can only say less than the truth
by changing a governance path (anything but a request and its rendering), and that makes the PR high risk.
"""

from __future__ import annotations

from ssops_ci.model.layout import is_self_service, stack_id_of_request, stack_of_rendered
from ssops_ci.model.report import Report

TOO_MANY = "(more files than GitHub lists: every one of them counts as a governance change)"


def _stack_of(path: str) -> str | None:
    return stack_id_of_request(path) or stack_of_rendered(path)


def verified(report: Report, changed: list[str] | None) -> Report:
    """The report with the governance paths the forge names, and what it fails to cover as integrity errors."""
    if changed is None:
        return report.model_copy(update={"governance_paths": [TOO_MANY]})
    covered = {s.id for s in report.stacks}
    missing = sorted({sid for p in changed if (sid := _stack_of(p)) and sid not in covered})
    errors = [f"the evaluation does not cover stack(s) {', '.join(missing)} that the pull request changes"]
    return report.model_copy(
        update={
            "governance_paths": sorted(p for p in changed if not is_self_service(p)),
            "integrity_errors": errors if missing else [],
        }
    )
