"""Terraform's machine-readable plan (`terraform show -json`, format 0.1 to 1.x) -> ResourceChanges."""

from __future__ import annotations

import json
from typing import Any

from ssops_ci.config.catalog import ResourceType
from ssops_ci.model.change import MASK, UNKNOWN, Action, AttrChange, ResourceChange
from ssops_ci.ports import PlanError

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


def _change(rc: dict[str, Any], types: dict[str, ResourceType]) -> ResourceChange | None:
    if rc.get("mode", "managed") != "managed":
        return None  # data source reads are not changes
    change = rc["change"]
    actions = tuple(change["actions"])
    if actions == ("read",):
        return None
    if actions not in ACTIONS:
        raise PlanError(f"{rc['address']}: unknown plan actions {list(actions)}")
    action = ACTIONS[actions]
    decl = types.get(rc["type"], ResourceType())
    declared = dict.fromkeys(decl.sensitive, True)
    raw_b = change.get("before") if isinstance(change.get("before"), dict) else None
    raw_a = change.get("after") if isinstance(change.get("after"), dict) else None
    unknown = change.get("after_unknown") or {}
    unknown = unknown if isinstance(unknown, dict) else {}
    sens_b = {**(change.get("before_sensitive") or {}), **declared} if raw_b is not None else {}
    sens_a = {**(change.get("after_sensitive") or {}), **declared} if raw_a is not None or unknown else {}
    before = _mask(raw_b, sens_b) if raw_b is not None else None
    after = _mask(_unknown(raw_a or {}, unknown), sens_a) if (raw_a is not None or action != "delete") else None
    keys = sorted(set(raw_b or {}) | set(raw_a or {}) | {k for k, u in unknown.items() if _contains_true(u)})
    changed = [
        k
        for k in keys
        if (raw_b or {}).get(k) != (raw_a or {}).get(k) or (action != "delete" and _contains_true(unknown.get(k)))
    ]
    if action == "no-op":
        changed = []
    because: list[str] = []
    if action == "replace":
        paths = change.get("replace_paths") or rc.get("replace_paths") or []
        because = [".".join(str(p) for p in path) for path in paths if path]
        if not because:
            reason = rc.get("action_reason") or change.get("action_reason")
            because = [_REASONS[reason]] if reason in _REASONS else sorted(set(changed) & set(decl.force_new))
    return ResourceChange(
        address=rc["address"],
        type=rc["type"],
        action=action,
        replace_because=because,
        diff={k: AttrChange(before=(before or {}).get(k), after=(after or {}).get(k)) for k in changed},
        holds_data=decl.holds_data,
        before=before,
        after=after,
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
