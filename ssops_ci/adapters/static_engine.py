"""The default engine: plans by diffing renderings (stages.diff); "applies" by recording what was applied.

No cloud and no binary. Its record of what was applied is what `ssops-ci drift` compares
the default branch with, to find merges that were never applied.
"""

from __future__ import annotations

from ssops_ci.model.change import ResourceChange
from ssops_ci.model.problems import PlanError
from ssops_ci.model.stack import StackJob
from ssops_ci.ports import Store
from ssops_ci.stages import diff
from ssops_ci.stages.ledger import STATIC


class StaticEngine:
    name = "static"
    concurrent = False  # planning is pure Python: threads would only contend for the GIL

    def __init__(self, store: Store | None = None) -> None:
        self.store = store

    def plan(self, job: StackJob) -> list[ResourceChange]:
        return diff.plan(job)

    def apply(self, job: StackJob, sha: str) -> str:
        if self.store is None:
            raise PlanError("the static engine needs a state store to apply")
        if job.after is None:
            self.store.update(STATIC, job.id, lambda _: None)
            return f"destroyed: {len(diff.managed_attrs(job.before))} resource(s) removed from the state store"
        resources = {a: attrs for a, (_, attrs) in diff.managed_attrs(job.after).items()}
        record = {
            "sha": sha,
            "kind": job.after.kind,
            "template_version": job.after.template_version,
            "resources": resources,
        }
        self.store.update(STATIC, job.id, lambda _: record)
        return f"applied: {len(resources)} resource(s) recorded at {sha[:12]}"
