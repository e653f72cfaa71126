"""Telling people what an apply did: the commit's status, the PR's apply comment and label, and a text summary."""

from __future__ import annotations

from collections.abc import Callable

from ssops_ci.model.apply import ApplyRun
from ssops_ci.model.forge import APPLY_CONTEXT, GateState
from ssops_ci.model.problems import ForgeError
from ssops_ci.ports import AuditTrail, Forge
from ssops_ci.stages.comment import APPLY_MARKER, apply_comment

FAILED_LABEL = "apply-failed"


def report(forge: Forge | None, audit: AuditTrail, result: ApplyRun) -> None:
    """Status on the commit, a comment and a label on its PR. The apply already happened, so a forge
    problem here becomes a note on the result (and the audit trail), not a failed apply."""
    if forge is None:
        return
    state: GateState = "success" if result.ok else "failure"
    steps: list[tuple[str, Callable[[], object]]] = [
        (
            "set the ssops-ci/apply status",
            lambda: forge.set_status(result.sha, APPLY_CONTEXT, state, result.summary()),
        ),
    ]
    pr = result.pr
    if pr is not None:
        labels = [] if result.ok else [FAILED_LABEL]
        steps.append((f"comment on #{pr}", lambda: forge.upsert_comment(pr, apply_comment(result), APPLY_MARKER)))
        steps.append((f"label #{pr}", lambda: forge.set_labels(pr, labels, FAILED_LABEL)))
    for what, step in steps:
        try:
            step()
        except ForgeError as e:
            result.notes.append(f"could not {what}: {e}")
    if result.notes:
        audit.emit("apply-report-failed", sha=result.sha, pr=result.pr, notes=result.notes)


class Deployments:
    """Each stack's apply as a GitHub deployment to its environment (in progress, then success or failure),
    linking the run. Like the rest of the reporting, a forge problem is noted, never fatal."""

    def __init__(self, forge: Forge | None, audit: AuditTrail, run_url: str | None) -> None:
        self.forge, self.audit, self.run_url = forge, audit, run_url

    def start(self, sha: str, environment: str, description: str) -> str | None:
        if self.forge is None:
            return None
        try:
            return self.forge.start_deployment(sha, environment, description, self.run_url)
        except ForgeError as e:
            self.audit.emit("deployment-failed", sha=sha, environment=environment, reason=str(e))
            return None

    def finish(self, deployment: str | None, environment: str, ok: bool, description: str) -> None:
        if self.forge is None or deployment is None:
            return
        try:
            self.forge.finish_deployment(deployment, environment, ok, description, self.run_url)
        except ForgeError as e:
            self.audit.emit("deployment-failed", deployment=deployment, environment=environment, reason=str(e))


def describe(result: ApplyRun) -> str:
    pr = f", PR #{result.pr}" if result.pr else ""
    lines = [f"apply {result.sha[:12]} ({result.engine} engine{pr}): {result.summary()}"]
    lines += [f"  REFUSED {r}" for r in result.refused]
    lines += [f"  warning: {n}" for n in result.notes]
    for s in result.stacks:
        extra = f" [retried: was {s.retried_after}]" if s.retried_after else ""
        lines.append(f"  {s.state:<15} {s.action:<7} {s.stack}: {s.message}{extra} ({s.seconds:.1f}s)")
        if s.error_tail:
            lines.extend("      " + ln for ln in s.error_tail.splitlines())
    return "\n".join(lines)
