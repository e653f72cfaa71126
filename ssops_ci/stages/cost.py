"""The fifth stage: monthly cost before, after and delta, per resource, stack and team.

Prices are data (policies/pricing, from the base branch); a resource type without a
price is "not priced" and a price that cannot be found fails the stack: it is never $0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal

from ssops_ci.config.catalog import Catalog, Kind
from ssops_ci.config.platform import Platform
from ssops_ci.config.pricing import PriceBook, Prices, PricingError
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.cost import Component, ResourceCost, StackCost, Totals, Usage, totals
from ssops_ci.model.finding import Finding
from ssops_ci.model.plan import Prepared, Side
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Stack
from ssops_ci.stages.diff import resolved
from ssops_ci.stages.findings import with_findings
from ssops_ci.stages.pricers import components

Status = Literal["priced", "free", "not-priced"]


@dataclass(frozen=True)
class Pricing:
    """The base revision's prices, and what the catalog and platform say that prices depend on."""

    prices: Prices
    catalog: Catalog | None  # usage assumptions per kind (None: the base's catalog is invalid)
    platform: Platform | None  # the region of each environment
    as_of: dt.date | None = None  # the day charges that start on a date (Extended Support) are priced for

    def book(self, req: Request | None) -> PriceBook | None:
        if req is None or self.platform is None:
            return None
        region = self.platform.region_of(req.environment)
        if region is None:
            raise PricingError(f"environment {req.environment!r} has no region in policies/platform.yaml")
        book = self.prices.book(region)
        return replace(book, as_of=self.as_of) if self.as_of else book

    def kind(self, req: Request | None) -> Kind | None:
        return self.catalog.get(req.kind) if req and self.catalog else None


def usage_for(kind: Kind | None, overrides: dict[str, Any] | None, address: str) -> dict[str, Usage]:
    """The usage figures a resource is priced with: template defaults, then the request's spec.usage."""
    out: dict[str, Usage] = {}
    if kind is None:
        return out
    for key, u in kind.spec.usage.items():
        if u.resource not in (None, address):
            continue
        given = (overrides or {}).get(key)
        if given is not None:
            out[key] = Usage(float(given), "request spec.usage")
        elif u.default is not None:
            out[key] = Usage(u.default, "template default")
    return out


def _side(
    rtype: str, attrs: dict[str, Any] | None, book: PriceBook | None, usage: dict[str, Usage], prices: Prices
) -> tuple[Status, list[Component] | None, float | None]:
    if attrs is None or book is None:
        return "priced", None, None
    if rtype in prices.free:
        return "free", [], 0.0
    comps = components(rtype, attrs, book, usage, prices.billing)
    if comps is None:
        return "not-priced", None, None
    return "priced", comps, round(sum(c.monthly_cost or 0.0 for c in comps), 6)


def _note(status: Status, rtype: str, prices: Prices) -> str | None:
    if status == "free":
        return prices.free.get(rtype)
    return "no price known for this resource type" if status == "not-priced" else None


def _matched(
    before: list[Component] | None, after: list[Component] | None
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Each component after a change paired with itself before it: the same price entry, in the same order
    (a resize renames 'db.t4g.small' to 'db.m6g.large'; it is still the instance). Unpaired ones went away."""

    def keyed(comps: list[Component] | None) -> dict[tuple[str, int], Component]:
        seen: dict[str, int] = {}
        out: dict[tuple[str, int], Component] = {}
        for c in comps or []:
            n = seen[c.key] = seen.get(c.key, -1) + 1
            out[(c.key or c.name, n)] = c
        return out

    was, now = keyed(before), keyed(after)
    matched = {c.name: was[k].monthly_cost for k, c in now.items() if k in was}
    removed = {c.name: c.monthly_cost for k, c in was.items() if k not in now}
    return matched, removed


def resource_cost(
    change: ResourceChange,
    prices: Prices,
    books: tuple[PriceBook | None, PriceBook | None],
    usage: tuple[dict[str, Usage], dict[str, Usage]],
) -> ResourceCost:
    status_b, comps_b, cost_b = _side(change.type, change.before, books[0], usage[0], prices)
    status_a, comps_a, cost_a = _side(change.type, change.after, books[1], usage[1], prices)
    sides = (status_b, status_a)
    status: Status = "not-priced" if "not-priced" in sides else "free" if "free" in sides else "priced"
    shown = comps_a if change.after is not None else comps_b
    matched, removed = (
        _matched(comps_b, comps_a) if change.before is not None and change.after is not None else ({}, {})
    )
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
        before_components=matched,
        removed_components=removed,
        note=_note(status, change.type, prices),
    )


def _stack_cost(lines: list[ResourceCost], book: PriceBook | None) -> StackCost:
    before = round(sum(r.monthly_before or 0.0 for r in lines), 2)
    after = round(sum(r.monthly_after or 0.0 for r in lines), 2)
    return StackCost(
        monthly_before=before,
        monthly_after=after,
        monthly_delta=round(after - before, 2),
        region=book.data.region if book else None,
        not_priced=sum(1 for r in lines if r.status == "not-priced"),
        usage_unknown=sum(r.unknown_components for r in lines),
        resources=lines,
    )


def stack_cost(
    changes: list[ResourceChange],
    prices: Prices,
    books: tuple[PriceBook | None, PriceBook | None],
    kinds: tuple[Kind | None, Kind | None],
    overrides: tuple[dict[str, Any] | None, dict[str, Any] | None],
) -> StackCost:
    """Each change priced with the books, usage assumptions and overrides of its two sides."""
    lines = [
        resource_cost(
            c,
            prices,
            books,
            (usage_for(kinds[0], overrides[0], c.address), usage_for(kinds[1], overrides[1], c.address)),
        )
        for c in changes
    ]
    return _stack_cost(lines, books[1] or books[0])


def estimate(changes: list[ResourceChange], before: Side, after: Side, pricing: Pricing) -> StackCost:
    """A planned stack's cost: each change priced at the base's prices, before and after."""
    reqs = (before.request, after.request)
    return stack_cost(
        changes,
        pricing.prices,
        (pricing.book(reqs[0]), pricing.book(reqs[1])),
        (pricing.kind(reqs[0]), pricing.kind(reqs[1])),
        (reqs[0].usage if reqs[0] else None, reqs[1].usage if reqs[1] else None),
    )


def price_rendering(stack: Stack, req: Request, pricing: Pricing) -> StackCost:
    """What a stack as rendered costs per month (every resource priced as created)."""
    book, kind = pricing.book(req), pricing.kind(req)
    lines = [
        resource_cost(
            ResourceChange(address=r.address, type=r.type, action="create", after=resolved(r, stack)),
            pricing.prices,
            (None, book),
            ({}, usage_for(kind, req.usage, r.address)),
        )
        for r in stack.managed
    ]
    return _stack_cost(lines, book)


def cost_failed(s: StackReport, message: str) -> StackReport:
    """A stack whose price cannot be known fails closed: an error and a blocking finding, never $0."""
    finding = Finding(
        source="plan",
        check_id="ssops.cost-error",
        severity="high",
        stack=s.id,
        message=message,
        remediation="the platform team must fix the price catalog; "
        "a stack is never shown as costing $0 because a price is missing",
        blocking=True,
    )
    failed = s.model_copy(update={"status": "error", "error": f"{s.id}: cost estimate failed: {message}", "cost": None})
    return with_findings(failed, [finding])


def _priced(s: StackReport, p: Prepared | None, pricing: Pricing) -> StackReport:
    if s.status == "error" or p is None:
        return s  # never a cost for something we could not plan
    try:
        return s.model_copy(update={"cost": estimate(s.changes, p.before, p.after, pricing)})
    except PricingError as e:
        return cost_failed(s, str(e))


def price(report: Report, prepared: dict[str, Prepared], pricing: Pricing) -> Report:
    stacks = [_priced(s, prepared.get(s.id), pricing) for s in report.stacks]
    return report.model_copy(update={"stacks": stacks, "cost": totals([s.cost for s in stacks if s.cost is not None])})


def unpriceable(report: Report, why: str) -> Report:
    """The base's price catalog is broken: every stack fails, and says so."""
    message = f"the price catalog on the base branch is invalid: {why}"
    return report.model_copy(update={"stacks": [cost_failed(s, message) for s in report.stacks], "cost": Totals()})
