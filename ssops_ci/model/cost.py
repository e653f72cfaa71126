"""The fifth value: what a change costs per month, per component, resource, stack and team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Usage:
    value: float
    origin: str  # "template default" or "request spec.usage"

    def label(self, key: str) -> str:
        shown = f"{self.value:,.0f}" if float(self.value).is_integer() else f"{self.value:,g}"
        return f"{key} = {shown} ({self.origin})"


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    unit: str
    quantity: float | None  # None: depends on usage or on values only known after apply
    unit_price: float | None  # None: which price applies is itself known only after apply
    monthly_cost: float | None
    usage: str | None = None  # the assumption that produced the quantity, shown next to it
    source: str
    key: str = ""  # the price entry it is billed under: what matches it to itself before a change


class ResourceCost(BaseModel):
    model_config = ConfigDict(frozen=True)
    address: str
    type: str
    action: str
    status: Literal["priced", "free", "not-priced"]
    monthly_before: float | None = None  # None: the resource does not exist on that side
    monthly_after: float | None = None
    monthly_delta: float = 0.0
    unknown_components: int = 0  # components whose usage or size is unknown (not counted)
    components: list[Component] = Field(default_factory=list)  # after the change (before, if destroyed)
    # an update's components as they cost before it, by their name after it (None: usage unknown)...
    before_components: dict[str, float | None] = Field(default_factory=dict)
    # ...and those it no longer has, by their name before it
    removed_components: dict[str, float | None] = Field(default_factory=dict)
    note: str | None = None


class StackCost(BaseModel):
    model_config = ConfigDict(frozen=True)
    monthly_before: float
    monthly_after: float
    monthly_delta: float
    currency: Literal["USD"] = "USD"
    region: str | None = None
    not_priced: int = 0
    usage_unknown: int = 0
    resources: list[ResourceCost] = Field(default_factory=list)


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)
    monthly_before: float = 0.0
    monthly_after: float = 0.0
    monthly_delta: float = 0.0
    currency: Literal["USD"] = "USD"


def totals(costs: list[StackCost]) -> Totals:
    before = round(sum(c.monthly_before for c in costs), 2)
    after = round(sum(c.monthly_after for c in costs), 2)
    return Totals(monthly_before=before, monthly_after=after, monthly_delta=round(after - before, 2))
