"""The third stage: what will change, per resource, per stack (the plan model).

Both plan engines (static diff and real Terraform) produce these, and every later
stage reads them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["create", "update", "delete", "replace", "no-op"]
Reason = Literal["request-added", "request-changed", "request-deleted", "template-changed", "drift"]
MASK = "(sensitive)"
UNKNOWN = "(known after apply)"
# Which reason names a stack, when several apply.
REASON_ORDER: tuple[Reason, ...] = ("request-deleted", "request-added", "request-changed", "template-changed", "drift")


class AttrChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    before: Any = None
    after: Any = None


class ResourceChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    address: str
    type: str
    action: Action
    replace_because: list[str] = Field(default_factory=list)
    diff: dict[str, AttrChange] = Field(default_factory=dict)
    holds_data: bool = False
    file: str | None = None  # where the resource is declared under rendered/ (after, else before)
    line: int | None = None
    # Full attribute values before/after (sensitive values masked), for the cost stage.
    before: dict[str, Any] | None = Field(default=None, exclude=True)
    after: dict[str, Any] | None = Field(default=None, exclude=True)


def action_counts(changes: list[ResourceChange]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for c in changes:
        if c.action in counts:
            counts[c.action] += 1
    return counts


def primary_reason(reasons: set[str]) -> Reason:
    for r in REASON_ORDER:
        if r in reasons:
            return r
    raise ValueError(f"no known reason in {sorted(reasons)}")
