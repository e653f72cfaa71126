"""`ssops-ci drift`: plan every applied stack and report any that no longer match.

With the terraform engine this is real drift (someone changed the cloud, or an
apply never finished). With the static engine it compares the state store with
what the default branch renders, which finds merges that were never applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
from pydantic import BaseModel, Field

from ssops_ci.adapters.git import GitTree, resolve
from ssops_ci.adapters.state import StateStore
from ssops_ci.adapters.static_engine import resolved
from ssops_ci.adapters.terraform import TerraformEngine
from ssops_ci.app.plan import load_revision
from ssops_ci.model.change import AttrChange, ResourceChange
from ssops_ci.model.problems import InputError, SsopsError
from ssops_ci.ports import PlanError, StackJob
from ssops_ci.stages import validate as requests_mod


class StackDrift(BaseModel):
    stack: str
    changes: list[ResourceChange] = Field(default_factory=list)
    note: str = ""


class DriftReport(BaseModel):
    sha: str
    engine: str
    checked: int = 0
    drifted: list[StackDrift] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @property
    def code(self) -> int:
        return 2 if self.drifted else (1 if self.errors else 0)

    def markdown(self) -> str:
        lines = [f"ssops-ci checked {self.checked} stack(s) at `{self.sha[:12]}` with the {self.engine} engine.", ""]
        for d in self.drifted:
            lines.append(f"- **{d.stack}**: {d.note or f'{len(d.changes)} resource(s) differ'}")
            lines.extend(
                f"  - {c.action} `{c.address}` ({', '.join(sorted(c.diff)) or 'whole resource'})"
                for c in d.changes[:20]
            )
        lines.extend(f"- could not check: {e}" for e in self.errors)
        if not self.drifted and not self.errors:
            lines.append("No drift.")
        return "\n".join(lines) + "\n"


def _differences(was: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> list[ResourceChange]:
    """Resources whose recorded (applied) attributes differ from the current rendering."""
    out = []
    for address in sorted(set(was) | set(now)):
        before, after = was.get(address), now.get(address)
        if before == after:
            continue
        action = "update" if before is not None and after is not None else ("create" if after is not None else "delete")
        keys = sorted(set(before or {}) | set(after or {}))
        diff = {
            k: AttrChange(before=(before or {}).get(k), after=(after or {}).get(k))
            for k in keys
            if (before or {}).get(k) != (after or {}).get(k)
        }
        out.append(ResourceChange(address=address, type=address.split(".")[0], action=action, diff=diff))
    return out


def check(repo: git.Repo, ref: str = "HEAD", engine: str | None = None, store: StateStore | None = None) -> DriftReport:
    commit = resolve(repo, ref)
    head = load_revision(GitTree(repo, commit))
    if head.gate is None:
        raise SsopsError(f"the catalog or policies at {commit.hexsha[:12]} are invalid:\n{head.error}")
    store = store or StateStore(Path(repo.working_dir) / ".ssops")
    wanted = engine or head.gate.platform.engine
    out = DriftReport(sha=commit.hexsha, engine=wanted)
    tf = TerraformEngine(head.gate.platform.terraform, Path(repo.working_dir)) if wanted == "terraform" else None
    loaded = requests_mod.load_all(head.tree, head.gate.catalog, head.gate.teams)
    out.errors += [str(p) for p in loaded.problems]
    applied = store.all_applied()
    current = set()
    for req in loaded.requests:
        current.add(req.stack_id)
        try:
            stack = head.renderer.render(req)
        except InputError as e:
            out.errors.append(f"{req.stack_id}: {e}")
            continue
        kinds = head.gate.catalog.get(req.kind)
        types = kinds.spec.resources if kinds else {}
        if tf is not None:
            out.checked += 1
            try:
                changes = tf.drifted(StackJob(req.stack_id, None, stack, types))
            except PlanError as e:
                out.errors.append(f"{req.stack_id}: {e}")
                continue
            if changes:
                out.drifted.append(StackDrift(stack=req.stack_id, changes=changes))
            continue
        record = applied.get(req.stack_id)
        if record is None:
            continue  # never applied: nothing to drift from
        out.checked += 1
        now = {r.address: resolved(r, stack) for r in stack.resources if r.mode == "managed"}
        changes = _differences(record.get("resources", {}), now)
        if changes:
            out.drifted.append(
                StackDrift(
                    stack=req.stack_id,
                    changes=changes,
                    note=f"applied at {str(record.get('sha'))[:12]}, the default branch has moved on",
                )
            )
    if tf is None:
        for gone in sorted(set(applied) - current):
            out.drifted.append(
                StackDrift(stack=gone, note="still applied, but its request is gone (destroy never ran)")
            )
    return out
