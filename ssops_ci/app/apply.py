"""Apply after merge: exactly what was reviewed, one run per stack at a time, loudly.

`ssops-ci apply --sha SHA` finds the stacks that commit changed against its first
parent, refuses if `rendered/` differs from what rendering the requests gives
(a hand edit on the default branch), then applies each stack under a per-stack
lock, in parallel up to the platform's limit. A per-SHA record makes re-runs safe:
applied stacks are skipped, failed and interrupted ones are retried.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from ssops_ci.app.scope import prepare, scope
from ssops_ci.config.platform import Platform
from ssops_ci.model.apply import ApplyRun, StackOutcome
from ssops_ci.model.forge import APPLY_CONTEXT, GateState
from ssops_ci.model.plan import Prepared
from ssops_ci.model.problems import ForgeError, LockTimeout, PlanError, SsopsError
from ssops_ci.ports import AuditTrail, Clock, Engine, Forge, Repository, Store
from ssops_ci.stages.comment import APPLY_MARKER, apply_comment

FAILED_LABEL = "apply-failed"
_PR_IN_MESSAGE = re.compile(r"(?:Merge pull request #|\(#)(\d+)")
Action = Literal["apply", "destroy"]


def pr_of(message: str) -> int | None:
    m = _PR_IN_MESSAGE.search(message)
    return int(m.group(1)) if m else None


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _refusals(prepared: list[Prepared], head_error: str | None, sha: str) -> list[str]:
    """Why applying this commit would apply something nobody reviewed."""
    refused = [f"the catalog or policies at {sha[:12]} are invalid:\n{head_error}"] if head_error else []
    for p in prepared:
        refused += [f"{p.report.id}: {d}" for d in p.report.drift]
        if p.report.status == "error":
            refused.append(p.report.error or f"{p.report.id} could not be rendered")
    return refused


class Applier:
    def __init__(
        self,
        repository: Repository,
        *,
        engines: Callable[[Platform | None], Engine],
        store: Store,
        audit: AuditTrail,
        clock: Clock,
        forge: Forge | None = None,
        parallel: int | None = None,
        lock_timeout: float = 600.0,
    ) -> None:
        self.repository = repository
        self.engines = engines
        self.store = store
        self.audit = audit
        self.clock = clock
        self.forge = forge
        self.parallel = parallel
        self.lock_timeout = lock_timeout

    def _targets(self, sha: str) -> tuple[list[Prepared], list[str], Platform | None]:
        parents = self.repository.parents(sha)
        if not parents:
            raise SsopsError(f"{sha[:12]} is the first commit: there is no previous state to apply against")
        s = scope(self.repository, parents[0], sha)
        prepared = [prepare(s.affected.touched[t], s) for t in sorted(s.affected.touched)]
        head_error = None if s.head.setup else (s.head.error or "invalid")
        platform = s.head.setup.platform if s.head.setup else None
        return prepared, _refusals(prepared, head_error, sha), platform

    def stacks(self, sha: str) -> list[str]:
        """The stacks applying `sha` applies (none when it would be refused): what a matrix fans out over."""
        prepared, refused, _ = self._targets(self.repository.resolve(sha))
        return [] if refused else [p.report.id for p in prepared if p.job is not None]

    def run(self, sha: str, only: list[str] | None = None, *, report: bool = True) -> ApplyRun:
        """Apply what `sha` changed (the stacks in `only`, in one job of a matrix) and, with `report`, say so
        on the commit and its PR; a matrix's jobs leave that to `join`."""
        sha = self.repository.resolve(sha)
        pr = pr_of(self.repository.message(sha))
        prepared, refused, platform = self._targets(sha)
        if only is not None:
            unknown = sorted(set(only) - {p.report.id for p in prepared})
            if unknown:
                raise SsopsError(f"{sha[:12]} does not change {', '.join(unknown)}; nothing of theirs to apply")
            prepared = [p for p in prepared if p.report.id in only]
        engine = self.engines(platform)
        result = ApplyRun(sha=sha, pr=pr, engine=engine.name, refused=refused)
        self.audit.emit("apply-start", sha=sha, pr=pr, stacks=[p.report.id for p in prepared], engine=engine.name)
        if refused:
            # Applying anything but what rendering the requests gives would apply something nobody reviewed.
            self.audit.emit("apply-refused", sha=sha, pr=pr, reasons=refused)
        else:
            jobs = [p for p in prepared if p.job is not None]
            limit = self.parallel or (platform.apply_parallelism if platform else 4)
            with ThreadPoolExecutor(max_workers=max(1, min(limit, len(jobs) or 1))) as pool:
                result.stacks = list(pool.map(lambda p: self._one(engine, sha, pr, p), jobs))
        if report:
            self._done(result)
        return result

    def join(self, sha: str, parts: list[ApplyRun]) -> ApplyRun:
        """The matrix jobs' results as one run, reported once. A stack with no result (its job was cancelled,
        superseded or lost) counts as failed: nobody can say it was applied."""
        sha = self.repository.resolve(sha)
        prepared, refused, platform = self._targets(sha)
        found = {s.stack: s for part in parts if part.sha == sha for s in part.stacks}
        expected = [] if refused else [p for p in prepared if p.job is not None]
        engine = parts[0].engine if parts else self.engines(platform).name
        result = ApplyRun(sha=sha, pr=pr_of(self.repository.message(sha)), engine=engine, refused=refused)
        if refused:
            self.audit.emit("apply-refused", sha=sha, pr=result.pr, reasons=refused)
        for p in expected:
            assert p.job is not None
            result.stacks.append(
                found.get(p.report.id)
                or StackOutcome(
                    stack=p.report.id,
                    action="destroy" if p.job.destroy else "apply",
                    state="failed",
                    message="its apply job left no result (cancelled, superseded by a newer merge, or lost); "
                    "run the workflow again",
                )
            )
        self._done(result)
        return result

    def _done(self, result: ApplyRun) -> None:
        self.audit.emit(
            "apply-done",
            sha=result.sha,
            pr=result.pr,
            ok=result.ok,
            summary=result.summary(),
            applied=[s.stack for s in result.stacks if s.state == "applied"],
            failed=[s.stack for s in result.stacks if s.state == "failed"],
        )
        self._report(result)

    def _apply_locked(self, engine: Engine, sha: str, p: Prepared, action: Action) -> tuple[StackOutcome, str | None]:
        """Under the stack's lock: skip what this commit already applied, else apply; and the state found."""
        assert p.job is not None
        sid = p.report.id
        # Read under the lock: a run we waited for may have applied it meanwhile. "running" here means
        # the run that set it died mid-apply (the OS released its lock), so this one finishes the job.
        previous = self.store.apply_record(sha)["stacks"].get(sid, {}).get("state")
        if previous == "applied":
            message = "applied by an earlier run of this commit; nothing to do"
            return StackOutcome(stack=sid, action=action, state="already-applied", message=message), previous
        self.store.update_apply(sha, sid, state="running", started=self.clock.now(), action=action)
        try:
            message = engine.apply(p.job, sha)
        except PlanError as e:
            text = str(e)
            self.store.update_apply(sha, sid, state="failed", error=_tail(text))
            failed = StackOutcome(
                stack=sid, action=action, state="failed", message=text.splitlines()[0], error_tail=_tail(text)
            )
            return failed, previous
        self.store.update_apply(sha, sid, state="applied", finished=self.clock.now(), message=message)
        return StackOutcome(stack=sid, action=action, state="applied", message=message), previous

    def _one(self, engine: Engine, sha: str, pr: int | None, p: Prepared) -> StackOutcome:
        assert p.job is not None
        sid = p.report.id
        action: Action = "destroy" if p.job.destroy else "apply"
        started = time.monotonic()
        previous = None
        try:
            with self.store.stack_lock(sid, self.lock_timeout):
                outcome, previous = self._apply_locked(engine, sha, p, action)
        except LockTimeout as e:
            outcome = StackOutcome(stack=sid, action=action, state="failed", message=str(e))
        if previous in ("running", "failed"):
            outcome.retried_after = "interrupted" if previous == "running" else "failed"
        outcome.seconds = round(time.monotonic() - started, 2)
        self.audit.emit(
            "apply",
            sha=sha,
            pr=pr,
            stack=sid,
            action=action,
            result=outcome.state,
            message=outcome.message,
            seconds=outcome.seconds,
            team=p.report.team,
            environment=p.report.environment,
            retried_after=outcome.retried_after,
        )
        return outcome

    # ------------------------------------------------------------------ telling the PR

    def _report(self, result: ApplyRun) -> None:
        """Status on the commit, a comment and a label on its PR. The apply already happened, so a forge
        problem here becomes a note on the result (and the audit trail), not a failed apply."""
        forge = self.forge
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
            self.audit.emit("apply-report-failed", sha=result.sha, pr=result.pr, notes=result.notes)


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
