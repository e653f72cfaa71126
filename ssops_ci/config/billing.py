"""`policies/pricing/billing.yaml`: how a resource type is billed, as data.

Each resource type lists its components: the price it is billed at (`prices.<price>` in the
region's file, picked by `dims`) and its monthly quantity (a fixed number, a usage the request or
template states, or an attribute of the planned resource). A kind whose resources are billed this
way needs no Python; the few types whose billing needs logic (volume tiers, dated charges, storage
classes chosen by lifecycle rules) keep a pricer in `ssops_ci/stages/price_*.py`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ssops_ci.config import files, yamlsrc
from ssops_ci.model.layout import BILLING
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree


def spelled(value: Any) -> str:
    """How a plan value is matched against the file's words: booleans as YAML writes them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


class FromAttribute(BaseModel):
    """A price dimension read from the planned resource: `{attribute: fifo_queue, map: {true: fifo}}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    attribute: str
    map: dict[str, str] = Field(default_factory=dict)  # the attribute's value -> the dimension's
    default: str | None = None  # when the attribute is unset (the provider's default)

    @field_validator("map", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        """YAML reads `true:` and `1:` as a boolean and a number; the plan's values are matched as words."""
        return {spelled(k): v for k, v in value.items()} if isinstance(value, dict) else value


class When(BaseModel):
    """Bill the component only when an attribute has this value (`equals`) or is set at all."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    attribute: str
    equals: str | bool | int | float | None = None


class ComponentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    price: str  # a key under `prices:` in every region's file
    dims: list[str | FromAttribute] = Field(default_factory=list)
    quantity: float | None = Field(default=None, ge=0)  # a fixed monthly quantity (1 key, 1 secret)
    usage: str | None = None  # a usage key the template declares (`usage:` in template.yaml)
    attribute: str | None = None  # a numeric attribute of the planned resource (GB of storage)
    default: float | None = Field(default=None, ge=0)  # for `attribute` when the resource leaves it unset
    times: float | str | None = None  # a number (730 hours) or an attribute (nodes) multiplying the quantity
    per: float = Field(default=1.0, gt=0)  # the price's unit in quantities: 1000 for "per 1k requests"
    when: When | None = None

    @model_validator(mode="after")
    def _one_quantity(self) -> ComponentSpec:
        given = [k for k in ("quantity", "usage", "attribute") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of quantity, usage or attribute (got {', '.join(given) or 'none'})")
        return self


class BillingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resources: dict[str, list[ComponentSpec]] = Field(default_factory=dict)


Billing = dict[str, list[ComponentSpec]]


def load(tree: Tree, dims_of: dict[str, dict[str, int]], free: dict[str, str]) -> Billing:
    """The file ({} when there is none), checked against the region files' prices and free.yaml."""
    raw = tree.read(BILLING)
    if raw is None:
        return {}
    doc = yamlsrc.load(raw, BILLING, max_bytes=1024 * 1024)
    billing = files.validated(BillingFile, doc, BILLING).resources
    _cross_check(billing, dims_of, free, doc)
    return billing


def _cross_check(
    billing: Billing, dims_of: dict[str, dict[str, int]], free: dict[str, str], doc: yamlsrc.Located
) -> None:
    """Every component's price exists in every region's file with as many dimensions as it gives, and no
    type is both billed and free: a mistake here would price a stack at $0, so it is refused at load."""
    problems: list[Problem] = []
    for rtype, specs in billing.items():
        if rtype in free:
            message = f"{rtype} is also listed in free.yaml; keep one"
            problems.append(doc.problem(("resources", rtype), message, prefer_key=True))
        for i, spec in enumerate(specs):
            for region, entries in sorted(dims_of.items()):
                if spec.price not in entries:
                    message = f"prices.{spec.price} is missing from {region}.yaml"
                elif entries[spec.price] != len(spec.dims):
                    have = entries[spec.price]
                    message = (
                        f"prices.{spec.price} has {have} dimension(s) in {region}.yaml; dims gives {len(spec.dims)}"
                    )
                else:
                    continue
                problems.append(doc.problem(("resources", rtype, i, "price"), f"{rtype}: {message}"))
    if problems:
        raise InputError(problems)
