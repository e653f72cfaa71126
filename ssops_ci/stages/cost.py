"""Per-resource, per-stack and per-team monthly cost, before and after a change (pure functions)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ssops_ci.config.catalog import Kind
from ssops_ci.config.pricing import PriceBook, Prices
from ssops_ci.model.change import ResourceChange
from ssops_ci.stages.pricers import Component, Usage, components


class ResourceCost(BaseModel):
    address: str
    type: str
    action: str
    status: Literal["priced", "free", "not-priced"]
    monthly_before: float | None = None  # None: the resource does not exist on that side
    monthly_after: float | None = None
    monthly_delta: float = 0.0
    unknown_components: int = 0  # components whose usage or size is unknown (not counted)
    components: list[Component] = Field(default_factory=list)  # after the change (before, if destroyed)
    note: str | None = None


class StackCost(BaseModel):
    monthly_before: float
    monthly_after: float
    monthly_delta: float
    currency: Literal["USD"] = "USD"
    region: str | None = None
    not_priced: int = 0
    usage_unknown: int = 0
    resources: list[ResourceCost] = Field(default_factory=list)


class Totals(BaseModel):
    monthly_before: float = 0.0
    monthly_after: float = 0.0
    monthly_delta: float = 0.0
    currency: Literal["USD"] = "USD"


def usage_for(kind: Kind | None, overrides: dict[str, Any] | None, address: str) -> dict[str, Usage]:
    """The usage figures a resource is priced with: template defaults, then the request's spec.usage."""
    out: dict[str, Usage] = {}
    if kind is None:
        return out
    for key, u in kind.spec.usage.items():
        if u.resource not in (None, address):
            continue
        given = (overrides or {}).get(key)
        out[key] = (
            Usage(float(given), "request spec.usage") if given is not None else Usage(u.default, "template default")
        )
    return out


def _side(
    rtype: str, attrs: dict[str, Any] | None, book: PriceBook | None, usage: dict[str, Usage], prices: Prices
) -> tuple[str, list[Component] | None, float | None]:
    if attrs is None or book is None:
        return "priced", None, None
    if rtype in prices.free:
        return "free", [], 0.0
    comps = components(rtype, attrs, book, usage)
    if comps is None:
        return "not-priced", None, None
    return "priced", comps, round(sum(c.monthly_cost or 0.0 for c in comps), 6)


def resource_cost(
    change: ResourceChange,
    prices: Prices,
    books: tuple[PriceBook | None, PriceBook | None],
    usage: tuple[dict[str, Usage], dict[str, Usage]],
) -> ResourceCost:
    status_b, comps_b, cost_b = _side(change.type, change.before, books[0], usage[0], prices)
    status_a, comps_a, cost_a = _side(change.type, change.after, books[1], usage[1], prices)
    sides = (status_b, status_a)
    status: Literal["priced", "free", "not-priced"] = (
        "not-priced" if "not-priced" in sides else "free" if "free" in sides else "priced"
    )
    shown = comps_a if change.after is not None else comps_b
    return ResourceCost(
        address=change.address,
        type=change.type,
        action=change.action,
        status=status,
        monthly_before=cost_b,
        monthly_after=cost_a,
        monthly_delta=round((cost_a or 0.0) - (cost_b or 0.0), 6),
        unknown_components=sum(1 for c in shown or [] if c.quantity is None),
        components=shown or [],
        note=prices.free.get(change.type)
        if status == "free"
        else ("no price known for this resource type" if status == "not-priced" else None),
    )


def stack_cost(
    changes: list[ResourceChange],
    prices: Prices,
    books: tuple[PriceBook | None, PriceBook | None],
    kinds: tuple[Kind | None, Kind | None],
    overrides: tuple[dict[str, Any] | None, dict[str, Any] | None],
) -> StackCost:
    lines = []
    for c in changes:
        usage = (usage_for(kinds[0], overrides[0], c.address), usage_for(kinds[1], overrides[1], c.address))
        lines.append(resource_cost(c, prices, books, usage))
    before = round(sum(r.monthly_before or 0.0 for r in lines), 2)
    after = round(sum(r.monthly_after or 0.0 for r in lines), 2)
    book = books[1] or books[0]
    region = book.data.region if book else None
    return StackCost(
        monthly_before=before,
        monthly_after=after,
        monthly_delta=round(after - before, 2),
        region=region,
        not_priced=sum(1 for r in lines if r.status == "not-priced"),
        usage_unknown=sum(r.unknown_components for r in lines),
        resources=lines,
    )


def totals(costs: list[StackCost]) -> Totals:
    before = round(sum(c.monthly_before for c in costs), 2)
    after = round(sum(c.monthly_after for c in costs), 2)
    return Totals(monthly_before=before, monthly_after=after, monthly_delta=round(after - before, 2))
