"""The third stage, statically: a stack's rendering before and after -> the resource changes.

It sees what the templates say, not what the cloud holds, so drift made outside
ssops-ci is invisible to it (the terraform engine and `ssops-ci drift` see it).
"""

from __future__ import annotations

import re
from typing import Any

from ssops_ci.model.change import MASK, Action, AttrChange, ResourceChange
from ssops_ci.model.stack import Resource, ResourceType, Stack, StackJob

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


def managed_attrs(stack: Stack | None) -> dict[str, tuple[Resource, dict[str, Any]]]:
    """Each managed resource of a stack with its resolved attributes."""
    if stack is None:
        return {}
    return {r.address: (r, resolved(r, stack)) for r in stack.managed}


def masked(attrs: dict[str, Any] | None, decl: ResourceType) -> dict[str, Any] | None:
    if attrs is None:
        return None
    return {k: (MASK if k in decl.sensitive else v) for k, v in attrs.items()}


def changed_keys(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    keys = sorted(set(before or {}) | set(after or {}))
    if before is not None and after is not None:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    return keys


def _action(before: object, after: object, changed: list[str], forced: list[str]) -> Action:
    if before is None:
        return "create"
    if after is None:
        return "delete"
    if not changed:
        return "no-op"
    return "replace" if forced else "update"


def resource_change(
    address: str, rtype: str, b: dict[str, Any] | None, a: dict[str, Any] | None, decl: ResourceType
) -> ResourceChange:
    """One resource's change from its attributes before and after (None: absent on that side)."""
    changed = changed_keys(b, a)
    forced = sorted(set(changed) & set(decl.force_new)) if b is not None and a is not None else []
    action = _action(b, a, changed, forced)
    mb, ma = masked(b, decl), masked(a, decl)
    diff = {k: AttrChange(before=(mb or {}).get(k), after=(ma or {}).get(k)) for k in changed}
    return ResourceChange(
        address=address,
        type=rtype,
        action=action,
        replace_because=forced if action == "replace" else [],
        diff=diff if action != "no-op" else {},
        holds_data=decl.holds_data,
        before=mb,
        after=ma,
    )


def plan(job: StackJob) -> list[ResourceChange]:
    """Every managed resource of the stack, after's order first, then what only existed before."""
    before, after = managed_attrs(job.before), managed_attrs(job.after)
    out = []
    for address in [*after, *(a for a in before if a not in after)]:
        b, a = before.get(address), after.get(address)
        rtype = (a or b)[0].type  # type: ignore[index]
        decl = job.resource_types.get(rtype, ResourceType())
        out.append(resource_change(address, rtype, b[1] if b else None, a[1] if a else None, decl))
    return out
