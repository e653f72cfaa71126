"""Apply after merge: exactly what was reviewed, never older than what is live, one run per stack at a time.

`ssops-ci apply --sha SHA` applies only a commit of the default branch's first-parent history. It
finds the stacks changed since the last apply run went through (apply_scope), refuses if `rendered/`
differs from what rendering the requests gives (a hand edit), then applies each stack under its lock
in the store. The ledger's last applied SHA per stack is the floor: an older commit is a no-op that
names the live one. Every stack ends `applied` or `failed` with its error, whatever went wrong.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from ssops_ci.app import apply_report
from ssops_ci.app.apply_scope import Targets, targets
from ssops_ci.config.platform import Platform
from ssops_ci.model.apply import ApplyRun, StackOutcome
from ssops_ci.model.audit import LockTaken
from ssops_ci.model.plan import Prepared
from ssops_ci.model.problems import LockTimeout, PlanError, SsopsError
from ssops_ci.ports import AuditTrail, Clock, Engine, Forge, Repository, Store
from ssops_ci.stages import ledger

_PR_IN_MESSAGE = re.compile(r"(?:Merge pull request #|\(#)(\d+)")
Action = Literal["apply", "destroy"]


def pr_of(message: str) -> int | None:
    m = _PR_IN_MESSAGE.search(message)
    return int(m.group(1)) if m else None


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


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
        branch: str = "main",
        run_url: str | None = None,
    ) -> None:
        self.repository = repository
        self.engines = engines
        self.store = store
        self.audit = audit
        self.clock = clock
        self.forge = forge
        self.parallel = parallel
        self.lock_timeout = lock_timeout
        self.branch = branch
        self.run_url = run_url
        self.deployments = apply_report.Deployments(forge, audit, run_url)

    def _targets(self, sha: str) -> Targets:
        return targets(self.repository, self.store, self.branch, self.repository.resolve(sha))

    def stacks(self, sha: str) -> list[str]:
        """The stacks applying `sha` applies (none when it would be refused): what a matrix fans out over."""
        return [p.report.id for p in self._targets(sha).jobs]

    def run(self, sha: str, only: list[str] | None = None, *, report: bool = True) -> ApplyRun:
        """Apply `sha` (the stacks in `only`, in one job of a matrix) and, with `report`, say so on the commit
        and its PR and move the ledger past it; a matrix's jobs leave both to `join`."""
        t = self._targets(sha)
        pr = pr_of(self.repository.message(t.sha))
        jobs = t.jobs
        if only is not None:
            unknown = sorted(set(only) - {p.report.id for p in jobs})
            if unknown:
                raise SsopsError(f"applying {t.sha[:12]} does not apply {', '.join(unknown)}; nothing of theirs to do")
            jobs = [p for p in jobs if p.report.id in only]
        engine = self.engines(t.platform)
        result = ApplyRun(sha=t.sha, pr=pr, engine=engine.name, refused=t.refused)
        self.audit.emit("apply-start", sha=t.sha, pr=pr, stacks=[p.report.id for p in jobs], engine=engine.name)
        if t.refused:
            # Applying anything but what rendering the requests gives would apply something nobody reviewed.
            self.audit.emit("apply-refused", sha=t.sha, pr=pr, reasons=t.refused)
        limit = self.parallel or (t.platform.apply_parallelism if t.platform else 4)
        with ThreadPoolExecutor(max_workers=max(1, min(limit, len(jobs) or 1))) as pool:
            result.stacks = list(pool.map(lambda p: self._one(engine, t.sha, pr, p), jobs))
        if report:
            self._done(result)
        return result

    def join(self, sha: str, parts: list[ApplyRun]) -> ApplyRun:
        """The matrix jobs' results as one run, reported once. A stack with no result (its job was cancelled or
        lost) counts as failed, and the ledger says so, so the next apply tries it again."""
        t = self._targets(sha)
        found = {s.stack: s for part in parts if part.sha == t.sha for s in part.stacks}
        engine = parts[0].engine if parts else self.engines(t.platform).name
        result = ApplyRun(sha=t.sha, pr=pr_of(self.repository.message(t.sha)), engine=engine, refused=t.refused)
        if t.refused:
            self.audit.emit("apply-refused", sha=t.sha, pr=result.pr, reasons=t.refused)
        for p in t.jobs:
            assert p.job is not None
            outcome = found.get(p.report.id)
            if outcome is None:
                why = "its apply job left no result (cancelled, superseded or lost); the next apply tries it again"
                outcome = StackOutcome(
                    stack=p.report.id, action="destroy" if p.job.destroy else "apply", state="failed", message=why
                )
                self._unfinished(p.report.id, t.sha, why)
            result.stacks.append(outcome)
        self._done(result)
        return result

    def _unfinished(self, sid: str, sha: str, why: str) -> None:
        def change(entry: ledger.Entry | None) -> ledger.Entry | None:
            if ledger.settled(entry, sha, False) or (entry or {}).get("state") == "running":
                return entry  # applied meanwhile, or another run holds it
            return ledger.finished(entry, sha, ok=False, message=why, error=None, now=self.clock.now())

        self.store.update(ledger.LEDGER, sid, change)

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
        if not result.refused:
            self._went_through(result.sha)
        apply_report.report(self.forge, self.audit, result)

    def _went_through(self, sha: str) -> None:
        """The ledger's watermark moves forward only: a later run starts its range here."""

        def change(current: ledger.Entry | None) -> ledger.Entry | None:
            through = (current or {}).get("sha")
            if through and through != sha and self.repository.is_ancestor(sha, str(through)):
                return current
            return {"sha": sha, "at": self.clock.now()}

        self.store.update(ledger.META, "through", change)

    # ------------------------------------------------------------------ one stack

    def _apply(self, engine: Engine, sha: str, pr: int | None, p: Prepared, taken: LockTaken) -> StackOutcome:
        """Under the stack's lock: say what is live already, else apply, recording both ends in the ledger."""
        assert p.job is not None
        sid, action = p.report.id, "destroy" if p.job.destroy else "apply"
        # Read under the lock: a run we waited for may have applied this or a newer commit meanwhile.
        entry = self.store.get(ledger.LEDGER, sid)
        applied = (entry or {}).get("applied_sha")
        newer = bool(applied) and applied != sha and self.repository.is_ancestor(sha, str(applied))
        settled = ledger.settled(entry, sha, newer)
        if settled:
            return StackOutcome(stack=sid, action=action, state=settled[0], message=settled[1])
        retried = ledger.retried_after(entry)
        now = self.clock.now()
        self.store.update(
            ledger.LEDGER, sid, lambda e: ledger.started(e, sha, pr=pr, action=action, run=self.run_url, now=now)
        )
        deployment = self.deployments.start(sha, p.report.environment, f"{action} {sid}")
        try:
            ok, message, error = True, engine.apply(p.job, sha), None
        except PlanError as e:
            ok, message, error = False, str(e).splitlines()[0], _tail(str(e))
        except Exception as e:  # whatever broke, the stack must not stay "running"
            ok, message, error = False, f"internal error: {type(e).__name__}: {e}", _tail(traceback.format_exc())
        self.deployments.finish(deployment, p.report.environment, ok, f"{sid}: {message}")
        done = self.clock.now()
        self.store.update(
            ledger.LEDGER, sid, lambda e: ledger.finished(e, sha, ok=ok, message=message, error=error, now=done)
        )
        state = "applied" if ok else "failed"
        prefix = f"took over the lock of {taken.took_over}; " if taken.took_over else ""
        outcome = StackOutcome(stack=sid, action=action, state=state, message=prefix + message, error_tail=error)
        outcome.retried_after = retried
        return outcome

    def _one(self, engine: Engine, sha: str, pr: int | None, p: Prepared) -> StackOutcome:
        assert p.job is not None
        sid = p.report.id
        action: Action = "destroy" if p.job.destroy else "apply"
        started = time.monotonic()
        try:
            with self.store.stack_lock(sid, self.lock_timeout) as taken:
                outcome = self._apply(engine, sha, pr, p, taken)
        except LockTimeout as e:
            outcome = StackOutcome(stack=sid, action=action, state="failed", message=str(e))
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


describe = apply_report.describe
