"""`policies/pricing/<region>.yaml` and `free.yaml`: unit prices as reviewed data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.config import billing as billing_config
from ssops_ci.config import files, yamlsrc
from ssops_ci.config.billing import Billing
from ssops_ci.model.layout import BILLING, FREE, PRICING
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree

HOURS_PER_MONTH = 730


class PricingError(Exception):
    """A price the estimate needs is missing or unusable; the stack fails closed rather than cost $0."""


class PriceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    unit: str
    by: list[str] = Field(default_factory=list)
    values: float | dict[str, Any]
    taken: dt.date | None = None  # when this entry's figures were copied, if not the file's `taken`


def _leaves(value: Any, depth: int, loc: tuple[str, ...], out: list[tuple[tuple[str, ...], str]]) -> None:
    path = ".".join(loc)
    if depth == 0:
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append((loc, f"{path} must be a number (got {value!r})"))
        elif not math.isfinite(value) or value < 0:
            out.append((loc, f"{path} must be a non-negative price (got {value})"))
        return
    if not isinstance(value, dict) or not value:
        out.append((loc, f"{path} must be a mapping keyed by the next dimension"))
        return
    for k, v in value.items():
        _leaves(v, depth - 1, (*loc, str(k)), out)


class SupportDates(BaseModel):
    """When a major version leaves standard support (year 1 of paid Extended Support) and when year 3 begins."""

    model_config = ConfigDict(extra="forbid")
    year1: dt.date
    year3: dt.date | None = None


class PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str
    currency: Literal["USD"]
    taken: dt.date
    sources: dict[str, str]
    prices: dict[str, PriceEntry]
    # facts prices are multiplied by: vCPUs per instance class (Performance Insights, Extended Support)
    vcpus: dict[str, int] = Field(default_factory=dict)
    # engine -> major version -> dates AWS starts charging Extended Support for it
    extended_support: dict[str, dict[str, SupportDates]] = Field(default_factory=dict)


def _consistency(data: PriceFile, doc: yamlsrc.Located) -> list[Problem]:
    """Every price non-negative, nested as its `by` says, from a listed source; with file positions."""
    out: list[Problem] = []
    for key, entry in data.prices.items():
        if entry.source not in data.sources:
            out.append(
                doc.problem(
                    ("prices", key, "source"), f"prices.{key}.source {entry.source!r} is not listed under sources"
                )
            )
        found: list[tuple[tuple[str, ...], str]] = []
        _leaves(entry.values, len(entry.by), ("prices", key, "values"), found)
        out.extend(doc.problem(loc, message) for loc, message in found)
    return out


class FreeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    free: dict[str, str]


@dataclass(frozen=True)
class Price:
    amount: float
    unit: str
    source: str


@dataclass(frozen=True)
class PriceBook:
    path: str
    data: PriceFile
    as_of: dt.date | None = None  # the day prices are for (dated charges); None: the day they were taken

    @property
    def day(self) -> dt.date:
        return self.as_of or self.data.taken

    def entry(self, key: str) -> PriceEntry:
        entry = self.data.prices.get(key)
        if entry is None:
            raise PricingError(f"{self.path}: prices.{key} is missing; add it (see the AWS price list)")
        return entry

    def source(self, entry: PriceEntry) -> str:
        return self.data.sources[entry.source]

    def price(self, key: str, *dims: str) -> Price:
        entry = self.entry(key)
        value: Any = entry.values
        for dim in dims:
            if not isinstance(value, dict) or dim not in value:
                where = ".".join(dims)
                raise PricingError(f"{self.path}: prices.{key}.values.{where} is missing; add its on-demand price")
            value = value[dim]
        return Price(float(value), entry.unit, self.source(entry))

    def has(self, key: str, *dims: str) -> bool:
        value: Any = self.data.prices[key].values if key in self.data.prices else None
        for dim in dims:
            if not isinstance(value, dict) or dim not in value:
                return False
            value = value[dim]
        return value is not None

    def vcpus(self, instance_class: str) -> int:
        if instance_class not in self.data.vcpus:
            raise PricingError(f"{self.path}: vcpus.{instance_class} is missing; add its vCPU count")
        return self.data.vcpus[instance_class]


@dataclass(frozen=True)
class Prices:
    """Every region's price book, the resource types that cost nothing, and how the others are billed."""

    books: dict[str, PriceBook]
    free: dict[str, str]
    billing: Billing = field(default_factory=dict)

    def book(self, region: str) -> PriceBook:
        if region not in self.books:
            raise PricingError(
                f"no prices for region {region!r}: add {PRICING}/{region}.yaml (known: {', '.join(sorted(self.books))})"
            )
        return self.books[region]


def _book(tree: Tree, path: str) -> PriceBook:
    doc = yamlsrc.load(tree.read(path) or b"", path, max_bytes=1024 * 1024)
    data = files.validated(PriceFile, doc, path)
    consistency = _consistency(data, doc)
    if consistency:
        raise InputError(consistency)
    expected = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    if data.region != expected:
        raise InputError([Problem(path, 1, 1, f"region {data.region!r} does not match the file name {expected!r}")])
    return PriceBook(path, data)


def load(tree: Tree) -> Prices:
    problems: list[Problem] = []
    books: dict[str, PriceBook] = {}
    for path in tree.files(PRICING):
        if not path.endswith(".yaml") or path in (FREE, BILLING):
            continue
        try:
            book = _book(tree, path)
        except InputError as e:
            problems.extend(e.problems)
            continue
        books[book.data.region] = book
    free: dict[str, str] = {}
    try:
        free = files.load(FreeFile, tree, FREE).free
    except InputError as e:
        problems.extend(e.problems)
    billing: Billing = {}
    try:
        dims = {region: {k: len(e.by) for k, e in b.data.prices.items()} for region, b in books.items()}
        billing = billing_config.load(tree, dims, free)
    except InputError as e:
        problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return Prices(books, free, billing)
