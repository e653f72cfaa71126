"""Terraform's machine-readable plan (`terraform show -json`, format 0.1 to 1.x) -> ResourceChanges."""

from __future__ import annotations

import json
from typing import Any

from ssops_ci.model.change import MASK, UNKNOWN, Action, AttrChange, ResourceChange
from ssops_ci.model.problems import PlanError
from ssops_ci.model.stack import ResourceType

ACTIONS: dict[tuple[str, ...], Action] = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    # `removed` blocks (1.7+) drop a resource from state without destroying it.
    ("forget",): "no-op",
}
_REASONS = {
    "replace_because_tainted": "(tainted)",
    "replace_by_request": "(replacement requested with -replace)",
    "replace_by_triggers": "(replace_triggered_by)",
}


def _mask(value: Any, sensitive: Any) -> Any:
    if sensitive is True:
        return MASK
    if isinstance(sensitive, dict) and isinstance(value, dict):
        return {k: _mask(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(sensitive, list) and isinstance(value, list):
        return [_mask(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value


def _unknown(value: Any, unknown: Any) -> Any:
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        base = value if isinstance(value, dict) else {}
        return {**base, **{k: _unknown(base.get(k), u) for k, u in unknown.items() if u}}
    if isinstance(unknown, list) and isinstance(value, list):
        return [_unknown(v, unknown[i] if i < len(unknown) else None) for i, v in enumerate(value)]
    return value


def _contains_true(tree: Any) -> bool:
    if tree is True:
        return True
    if isinstance(tree, dict):
        return any(_contains_true(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_contains_true(v) for v in tree)
    return False


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


class _Sides:
    """A resource change's raw before/after, what is unknown until apply, and both sides masked."""

    def __init__(self, change: dict[str, Any], action: Action, decl: ResourceType) -> None:
        self.raw_b = _dict_or_none(change.get("before"))
        self.raw_a = _dict_or_none(change.get("after"))
        self.unknown = _dict_or_none(change.get("after_unknown")) or {}
        declared = dict.fromkeys(decl.sensitive, True)
        sens_b = {**(change.get("before_sensitive") or {}), **declared} if self.raw_b is not None else {}
        has_after = self.raw_a is not None or bool(self.unknown)
        sens_a = {**(change.get("after_sensitive") or {}), **declared} if has_after else {}
        self.before = _mask(self.raw_b, sens_b) if self.raw_b is not None else None
        shown_after = self.raw_a is not None or action != "delete"
        self.after = _mask(_unknown(self.raw_a or {}, self.unknown), sens_a) if shown_after else None

    def changed(self, action: Action) -> list[str]:
        if action == "no-op":
            return []
        b, a = self.raw_b or {}, self.raw_a or {}
        keys = sorted(set(b) | set(a) | {k for k, u in self.unknown.items() if _contains_true(u)})
        unknown_after = action != "delete"
        return [k for k in keys if b.get(k) != a.get(k) or (unknown_after and _contains_true(self.unknown.get(k)))]


def _replaced_because(rc: dict[str, Any], change: dict[str, Any], changed: list[str], decl: ResourceType) -> list[str]:
    paths = change.get("replace_paths") or rc.get("replace_paths") or []
    because = [".".join(str(p) for p in path) for path in paths if path]
    if because:
        return because
    reason = rc.get("action_reason") or change.get("action_reason")
    return [_REASONS[reason]] if reason in _REASONS else sorted(set(changed) & set(decl.force_new))


def _action(rc: dict[str, Any]) -> Action | None:
    """The change's action; None for what is not a change (data source reads)."""
    if rc.get("mode", "managed") != "managed":
        return None
    actions = tuple(rc["change"]["actions"])
    if actions == ("read",):
        return None
    if actions not in ACTIONS:
        raise PlanError(f"{rc['address']}: unknown plan actions {list(actions)}")
    return ACTIONS[actions]


def _change(rc: dict[str, Any], types: dict[str, ResourceType]) -> ResourceChange | None:
    action = _action(rc)
    if action is None:
        return None
    change = rc["change"]
    decl = types.get(rc["type"], ResourceType())
    sides = _Sides(change, action, decl)
    changed = sides.changed(action)
    before, after = sides.before or {}, sides.after or {}
    return ResourceChange(
        address=rc["address"],
        type=rc["type"],
        action=action,
        replace_because=_replaced_because(rc, change, changed, decl) if action == "replace" else [],
        diff={k: AttrChange(before=before.get(k), after=after.get(k)) for k in changed},
        holds_data=decl.holds_data,
        before=sides.before,
        after=sides.after,
    )


def parse(doc: Any, types: dict[str, ResourceType] | None = None) -> list[ResourceChange]:
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanError("not a Terraform JSON plan (no format_version); produce it with `terraform show -json PLAN`")
    version = str(doc["format_version"])
    if version.split(".")[0] not in ("0", "1"):
        raise PlanError(f"plan format {version} is newer than this ssops-ci understands (0.x to 1.x)")
    out = []
    for i, rc in enumerate(doc.get("resource_changes") or []):
        try:
            parsed = _change(rc, types or {})
        except (KeyError, TypeError, AttributeError) as e:
            raise PlanError(f"plan JSON is malformed at resource_changes[{i}]: missing or wrong {e}") from None
        if parsed is not None:
            out.append(parsed)
    return out


def loads(text: str | bytes, types: dict[str, ResourceType] | None = None) -> list[ResourceChange]:
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise PlanError(f"plan file is not valid JSON ({e}); it may be truncated or corrupt") from None
    return parse(doc, types)
