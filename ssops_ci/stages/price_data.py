"""The pricer for resource types billed as `policies/pricing/billing.yaml` says: no code per type."""

from __future__ import annotations

from typing import Any

from ssops_ci.config.billing import ComponentSpec, FromAttribute, When, spelled
from ssops_ci.stages.price_builder import Builder, first, known, num


def _holds(when: When | None, attrs: dict[str, Any]) -> bool:
    if when is None:
        return True
    value = first(attrs.get(when.attribute))
    if when.equals is None:
        return known(value) and value not in ("", [], {})
    return known(value) and spelled(value) == spelled(when.equals)


def _dim(d: str | FromAttribute, attrs: dict[str, Any]) -> str | None:
    """The dimension's word; None when the plan does not know the attribute yet."""
    if isinstance(d, str):
        return d
    value = first(attrs.get(d.attribute))
    if value is None or value == []:
        return d.default
    if not known(value):
        return None
    return d.map.get(spelled(value), spelled(value))


def _quantity(spec: ComponentSpec, attrs: dict[str, Any]) -> float | None:
    if spec.quantity is not None:
        base: float | None = spec.quantity
    else:
        assert spec.attribute is not None
        base = num(attrs, spec.attribute) if spec.attribute in attrs else spec.default
    if base is None or spec.times is None:
        return base
    if isinstance(spec.times, float | int):
        return base * spec.times
    times = num(attrs, spec.times) if spec.times in attrs else 1.0
    return None if times is None else base * times


def price_component(spec: ComponentSpec, attrs: dict[str, Any], b: Builder) -> None:
    if not _holds(spec.when, attrs):
        return
    dims = [_dim(d, attrs) for d in spec.dims]
    if any(d is None for d in dims):
        unknown = [d.attribute for d in spec.dims if isinstance(d, FromAttribute) and _dim(d, attrs) is None]
        b.unknown(spec.name, spec.price, f"depends on {', '.join(unknown)}, known only after apply")
        return
    picked = tuple(d for d in dims if d is not None)
    if spec.usage is not None:
        b.per_usage(spec.name, spec.price, picked, spec.usage, scale=spec.per)
    else:
        b.add(spec.name, spec.price, picked, _quantity(spec, attrs), scale=spec.per)


def billed(specs: list[ComponentSpec], attrs: dict[str, Any], b: Builder) -> None:
    for spec in specs:
        price_component(spec, attrs, b)
