"""The default engine: diff the stack as rendered before and after. No cloud, no binary.

It sees what the templates say, not what the cloud holds, so drift made outside
ssops-ci is invisible to it (the terraform engine and `ssops-ci drift` see it).
"""

from __future__ import annotations

import re
from typing import Any

from ssops_ci.adapters.state import StateStore
from ssops_ci.config.catalog import ResourceType
from ssops_ci.model.change import MASK, AttrChange, ResourceChange
from ssops_ci.ports import PlanError, StackJob
from ssops_ci.stages.render import Resource, Stack

_LOCAL_REF = re.compile(r"\$\{local\.([A-Za-z_][A-Za-z0-9_-]*)\}")


def resolved(res: Resource, stack: Stack) -> dict[str, Any]:
    """Attributes with exact `local.x` references replaced by their values, so tag changes show."""

    def sub(v: Any) -> Any:
        if isinstance(v, str):
            m = _LOCAL_REF.fullmatch(v)
            return stack.locals.get(m.group(1), v) if m else v
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v

    return {k: sub(v) for k, v in res.attrs.items()}


def masked(attrs: dict[str, Any] | None, decl: ResourceType) -> dict[str, Any] | None:
    if attrs is None:
        return None
    return {k: (MASK if k in decl.sensitive else v) for k, v in attrs.items()}


def _managed(stack: Stack | None) -> dict[str, tuple[Resource, dict[str, Any]]]:
    if stack is None:
        return {}
    return {r.address: (r, resolved(r, stack)) for r in stack.resources if r.mode == "managed"}


class StaticEngine:
    """Plans by diffing renderings; "applies" by recording what was applied in the local state store."""

    name = "static"

    def __init__(self, store: StateStore | None = None) -> None:
        self.store = store

    def apply(self, job: StackJob, sha: str) -> str:
        if self.store is None:
            raise PlanError("the static engine needs a state store to apply")
        if job.after is None:
            self.store.forget(job.id)
            return f"destroyed: {len(_managed(job.before))} resource(s) removed from the state store"
        resources = {a: attrs for a, (_, attrs) in _managed(job.after).items()}
        self.store.record_applied(
            job.id,
            {
                "sha": sha,
                "kind": job.after.kind,
                "template_version": job.after.template_version,
                "resources": resources,
            },
        )
        return f"applied: {len(resources)} resource(s) recorded at {sha[:12]}"

    def plan(self, job: StackJob) -> list[ResourceChange]:
        before, after = _managed(job.before), _managed(job.after)
        order = list(after) + [a for a in before if a not in after]
        out = []
        for address in order:
            b, a = before.get(address), after.get(address)
            rtype = (a or b)[0].type  # type: ignore[index]
            decl = job.resource_types.get(rtype, ResourceType())
            b_attrs, a_attrs = (b[1] if b else None), (a[1] if a else None)
            changed = sorted(set(b_attrs or {}) | set(a_attrs or {}))
            if b_attrs is not None and a_attrs is not None:
                changed = [k for k in changed if b_attrs.get(k) != a_attrs.get(k)]
            forced = sorted(set(changed) & set(decl.force_new)) if b and a else []
            if b is None:
                action = "create"
            elif a is None:
                action = "delete"
            elif not changed:
                action = "no-op"
            else:
                action = "replace" if forced else "update"
            mb, ma = masked(b_attrs, decl), masked(a_attrs, decl)
            diff = {k: AttrChange(before=(mb or {}).get(k), after=(ma or {}).get(k)) for k in changed}
            out.append(
                ResourceChange(
                    address=address,
                    type=rtype,
                    action=action,
                    replace_because=forced if action == "replace" else [],
                    diff=diff if action != "no-op" else {},
                    holds_data=decl.holds_data,
                    before=mb,
                    after=ma,
                )
            )
        return out
