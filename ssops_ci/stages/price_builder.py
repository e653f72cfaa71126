"""The parts every pricer shares: reading plan attributes, and turning quantities into components.

A component whose quantity cannot be known says so ("depends on usage: ...") instead of counting as $0.
"""

from __future__ import annotations

from typing import Any

from ssops_ci.config.pricing import PriceBook
from ssops_ci.model.change import MASK, UNKNOWN
from ssops_ci.model.cost import Component, Usage


def known(v: Any) -> bool:
    return v is not None and v not in (UNKNOWN, MASK) and not (isinstance(v, str) and "${" in v)


def num(attrs: dict[str, Any], key: str) -> float | None:
    v = attrs.get(key)
    if isinstance(v, bool) or not known(v):
        return None
    try:
        return float(v) if isinstance(v, int | float | str) else None
    except ValueError:
        return None


def first(v: Any) -> Any:
    while isinstance(v, list) and v:
        v = v[0]
    return v


def blocks(attrs: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A nested block as a list of mappings, however the plan or the parser spelled it."""
    v = attrs.get(key)
    v = [v] if isinstance(v, dict) else v if isinstance(v, list) else []
    out: list[dict[str, Any]] = []
    for item in v:
        out.extend(blocks({key: item}, key) if isinstance(item, list) else [item] if isinstance(item, dict) else [])
    return out


def short(n: float) -> str:
    """6000000000 -> 6B, 7500000000 -> 7.5B: how AWS's price pages name usage tiers."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:g}{suffix}"
    return f"{n:g}"


class Builder:
    def __init__(self, book: PriceBook, usage: dict[str, Usage]) -> None:
        self.book = book
        self.usage = usage
        self.out: list[Component] = []

    def add(
        self,
        name: str,
        key: str,
        dims: tuple[str, ...],
        quantity: float | None,
        *,
        scale: float = 1.0,
        usage: str | None = None,
    ) -> None:
        price = self.book.price(key, *dims)
        qty = None if quantity is None else quantity / scale
        if qty is None and usage is None:
            usage = "the quantity is known only after apply"
        self.out.append(
            Component(
                name=name,
                unit=price.unit,
                quantity=qty,
                unit_price=price.amount,
                monthly_cost=None if qty is None else round(qty * price.amount, 6),
                usage=usage,
                source=price.source,
                key=key,
            )
        )

    def unknown(self, name: str, key: str, why: str) -> None:
        """A component that will be billed at a price we can't pick yet: shown and counted, never $0."""
        entry = self.book.entry(key)
        self.out.append(
            Component(
                name=name,
                unit=entry.unit,
                quantity=None,
                unit_price=None,
                monthly_cost=None,
                usage=why,
                source=self.book.source(entry),
                key=key,
            )
        )

    def per_usage(self, name: str, key: str, dims: tuple[str, ...], usage_key: str, *, scale: float = 1.0) -> None:
        u = self.usage.get(usage_key)
        if u is None:
            self.add(name, key, dims, None, usage=f"depends on usage ({usage_key})")
        else:
            self.add(name, key, dims, u.value, scale=scale, usage=u.label(usage_key))

    def tiered(self, name: str, key: str, dims: tuple[str, ...], quantity: float | None, usage: str) -> None:
        """Volume tiers: the price file keys each tier by where it starts (0, 6000000000, ...).

        `name` says where the tier goes: "Duration (x86, {tier})" -> "Duration (x86, first 6B)".
        """
        tiers: Any = self.book.entry(key).values
        for dim in dims:
            tiers = tiers[dim] if isinstance(tiers, dict) and dim in tiers else None
        if not isinstance(tiers, dict):
            self.book.price(key, *dims, "0")  # raises the usual "missing price" error
            return
        starts = sorted(float(k) for k in tiers)
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            label = f"first {short(end)}" if start == 0 and end else f"next {short(end - start)}" if end else None
            label = label or f"over {short(start)}"
            tier_key = next(k for k in tiers if float(k) == start)
            if quantity is None:
                self.add(name.replace("{tier}", label), key, (*dims, tier_key), None, usage=usage)
                return  # one line says what the first unit costs, as the price page does
            if quantity <= start and start > 0:
                return
            used = quantity - start if end is None else min(quantity, end) - start
            self.add(name.replace("{tier}", label), key, (*dims, tier_key), used, usage=usage)
