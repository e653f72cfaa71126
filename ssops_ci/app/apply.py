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
from pathlib import Path
from typing import Literal

import git
from pydantic import BaseModel, Field

from ssops_ci.adapters.audit import AuditLog
from ssops_ci.adapters.git import resolve
from ssops_ci.adapters.state import LockTimeout, StateStore
from ssops_ci.adapters.static_engine import StaticEngine
from ssops_ci.adapters.terraform import TerraformEngine, find_binary
from ssops_ci.app import plan as planner
from ssops_ci.app.plan import Prepared
from ssops_ci.config.platform import Platform
from ssops_ci.model.forge import APPLY_CONTEXT, Forge, ForgeError, StatusState
from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import ApplyEngine, PlanError

APPLY_MARKER = "<!-- ssops-ci:apply -->"
FAILED_LABEL = "apply-failed"
_PR_IN_MESSAGE = re.compile(r"(?:Merge pull request #|\(#)(\d+)")

State = Literal["applied", "already-applied", "failed", "refused"]


class StackOutcome(BaseModel):
    stack: str
    action: Literal["apply", "destroy"]
    state: State
    message: str = ""
    error_tail: str | None = None
    seconds: float = 0.0
    retried_after: str | None = None  # the state a previous run left it in, when it is retried


class ApplyRun(BaseModel):
    sha: str
    pr: int | None = None
    engine: str
    stacks: list[StackOutcome] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what could not be posted back (never fails the apply)

    @property
    def ok(self) -> bool:
        if self.refused or any(s.state == "failed" for s in self.stacks):
            return False
        # "0 stacks applied" when stacks were expected is a failure, never a success.
        return not self.stacks or any(s.state in ("applied", "already-applied") for s in self.stacks)

    def summary(self) -> str:
        if self.refused:
            return f"refused: {self.refused[0]}" + (
                f" (and {len(self.refused) - 1} more)" if len(self.refused) > 1 else ""
            )
        if not self.stacks:
            return "no stack changed in this commit"
        n = len(self.stacks)
        done = sum(1 for s in self.stacks if s.state in ("applied", "already-applied"))
        earlier = sum(1 for s in self.stacks if s.state == "already-applied")
        failed = sum(1 for s in self.stacks if s.state == "failed")
        text = f"{done} of {n} stack(s) applied" + (f" ({earlier} by an earlier run)" if earlier else "")
        return text + (f"; {failed} failed" if failed else "")


def pr_of(commit: git.Commit) -> int | None:
    m = _PR_IN_MESSAGE.search(str(commit.message))
    return int(m.group(1)) if m else None


def make_engine(name: str | None, platform: Platform | None, repo_root: Path, store: StateStore) -> ApplyEngine:
    wanted = name or (platform.engine if platform else "static")
    if wanted == "static":
        return StaticEngine(store)
    if platform is None:
        raise SsopsError("the terraform engine needs policies/platform.yaml")
    try:
        find_binary(platform.terraform)
        return TerraformEngine(platform.terraform, repo_root)
    except PlanError as e:
        # Unlike planning, applying never falls back to another engine: that would record a lie.
        raise SsopsError(str(e)) from None


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Applier:
    def __init__(
        self,
        repo: git.Repo,
        *,
        engine: str | None = None,
        forge: Forge | None = None,
        audit: AuditLog | None = None,
        parallel: int | None = None,
        lock_timeout: float = 600.0,
        store: StateStore | None = None,
    ) -> None:
        self.repo = repo
        self.engine_name = engine
        self.forge = forge
        self.store = store or StateStore(Path(repo.working_dir) / ".ssops")
        self.audit = audit or AuditLog(self.store.root / "audit.jsonl")
        self.parallel = parallel
        self.lock_timeout = lock_timeout

    def _targets(self, sha: str) -> tuple[list[Prepared], list[str], Platform | None]:
        commit = resolve(self.repo, sha)
        if not commit.parents:
            raise SsopsError(f"{commit.hexsha[:12]} is the first commit: there is no previous state to apply against")
        found, base, head = planner.affected_stacks(self.repo, commit.parents[0].hexsha, commit.hexsha)
        prepared = [planner.prepare(t, base, head) for t in sorted(found.touched.values(), key=lambda t: t.id)]
        refused = []
        if head.gate is None:
            refused.append(f"the catalog or policies at {commit.hexsha[:12]} are invalid:\n{head.error}")
        for p in prepared:
            refused += [f"{p.report.id}: {d}" for d in p.report.drift]
            if p.report.status == "error":
                refused.append(p.report.error or f"{p.report.id} could not be rendered")
        return prepared, refused, head.gate.platform if head.gate else None

    def run(self, sha: str) -> ApplyRun:
        commit = resolve(self.repo, sha)
        sha = commit.hexsha
        pr = pr_of(commit)
        prepared, refused, platform = self._targets(sha)
        engine = make_engine(self.engine_name, platform, Path(self.repo.working_dir), self.store)
        result = ApplyRun(sha=sha, pr=pr, engine=engine.name, refused=refused)
        self.audit.emit("apply-start", sha=sha, pr=pr, stacks=[p.report.id for p in prepared], engine=engine.name)
        if refused:
            # Applying anything but what rendering the requests gives would apply something nobody reviewed.
            self.audit.emit("apply-refused", sha=sha, pr=pr, reasons=refused)
        else:
            jobs = [p for p in prepared if p.job is not None]
            workers = max(1, min(self.parallel or (platform.apply_parallelism if platform else 4), len(jobs) or 1))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                result.stacks = list(pool.map(lambda p: self._one(engine, sha, pr, p), jobs))
        self.audit.emit(
            "apply-done",
            sha=sha,
            pr=pr,
            ok=result.ok,
            summary=result.summary(),
            applied=[s.stack for s in result.stacks if s.state == "applied"],
            failed=[s.stack for s in result.stacks if s.state == "failed"],
        )
        self._report(result)
        return result

    def _one(self, engine: ApplyEngine, sha: str, pr: int | None, p: Prepared) -> StackOutcome:
        assert p.job is not None
        sid = p.report.id
        action: Literal["apply", "destroy"] = "destroy" if p.job.destroy else "apply"
        started = time.monotonic()
        previous = None
        try:
            with self.store.stack_lock(sid, self.lock_timeout):
                # Read under the lock: a run we waited for may have applied it meanwhile. "running" here means
                # the run that set it died mid-apply (the OS released its lock), so this one finishes the job.
                previous = self.store.apply_record(sha)["stacks"].get(sid, {}).get("state")
                if previous == "applied":
                    outcome = StackOutcome(
                        stack=sid,
                        action=action,
                        state="already-applied",
                        message="applied by an earlier run of this commit; nothing to do",
                    )
                else:
                    self.store.update_apply(sha, sid, state="running", started=time.time(), action=action)
                    try:
                        message = engine.apply(p.job, sha)
                    except PlanError as e:
                        text = str(e)
                        self.store.update_apply(sha, sid, state="failed", error=_tail(text))
                        outcome = StackOutcome(
                            stack=sid,
                            action=action,
                            state="failed",
                            message=text.splitlines()[0],
                            error_tail=_tail(text),
                        )
                    else:
                        self.store.update_apply(sha, sid, state="applied", finished=time.time(), message=message)
                        outcome = StackOutcome(stack=sid, action=action, state="applied", message=message)
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
        from ssops_ci.stages.comment import apply_comment

        state: StatusState = "success" if result.ok else "failure"
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
    for r in result.refused:
        lines.append(f"  REFUSED {r}")
    for n in result.notes:
        lines.append(f"  warning: {n}")
    for s in result.stacks:
        extra = f" [retried: was {s.retried_after}]" if s.retried_after else ""
        lines.append(f"  {s.state:<15} {s.action:<7} {s.stack}: {s.message}{extra} ({s.seconds:.1f}s)")
        if s.error_tail:
            lines.extend("      " + ln for ln in s.error_tail.splitlines())
    return "\n".join(lines)
