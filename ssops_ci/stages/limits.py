"""Values the AWS APIs refuse although the provider schema accepts them, from a table with a source per rule.

The table (`ssops_ci/data/aws-limits.yaml`) holds ranges, allowed values, orderings between two
attributes of one block, and retired values with the date AWS stops accepting them. Only literal
values are judged; an expression is Terraform's business. Each violation is a blocking finding on
the template line that writes the resource; a value AWS retires within a year is a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.config.catalog import Catalog
from ssops_ci.model.finding import Finding
from ssops_ci.model.stack import Resource, Stack
from ssops_ci.stages.schema import template_line

WARN_BEFORE = dt.timedelta(days=365)


class Limit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    resource: str
    attribute: str  # dotted, relative to `within`
    within: str = ""  # dotted path of the block both sides of `greater_than` live in
    minimum: float | None = None
    maximum: float | None = None
    one_of: list[Any] | None = None
    greater_than: str | None = None
    retired: dict[str, dt.date] | None = None  # value -> when AWS stops accepting it for new resources
    rule: str  # in words
    source: str = Field(pattern=r"^https://docs\.aws\.amazon\.com/")


def _at(node: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path; a block written several times gives each of its bodies."""
    if not path:
        yield node
        return
    head, _, rest = path.partition(".")
    value = node.get(head) if isinstance(node, dict) else None
    for item in value if isinstance(value, list) and rest else [value]:
        if item is not None:
            yield from _at(item, rest)


def _literal(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and "${" in value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _broken(limit: Limit, value: Any, block: Any, today: dt.date) -> tuple[str, bool] | None:
    """(why, blocking) when `value` breaks the limit."""
    n = _number(value)
    if limit.minimum is not None and n is not None and n < limit.minimum:
        return f"{value} is below the minimum {limit.minimum:g}", True
    if limit.maximum is not None and n is not None and n > limit.maximum:
        return f"{value} is above the maximum {limit.maximum:g}", True
    if limit.one_of is not None and value not in limit.one_of:
        return f"{value!r} is not one of {', '.join(map(str, limit.one_of))}", True
    if limit.greater_than is not None:
        for other in _at(block, limit.greater_than):
            m = _number(other)
            if n is not None and m is not None and n <= m:
                return f"{value} must be greater than {limit.greater_than} ({other})", True
    retired = (limit.retired or {}).get(str(value))
    if retired is not None and today >= retired - WARN_BEFORE:
        when = "was retired" if today >= retired else "will be retired"
        return f"{value!r} {when} on {retired.isoformat()}", today >= retired
    return None


def violations(r: Resource, limits: list[Limit], today: dt.date) -> list[tuple[Limit, str, bool]]:
    out = []
    for limit in limits:
        if limit.resource != r.type:
            continue
        for block in _at(r.attrs, limit.within):
            for value in _at(block, limit.attribute):
                if _literal(value) and (broken := _broken(limit, value, block, today)):
                    out.append((limit, *broken))
    return out


def findings(stack: Stack, limits: list[Limit], catalog: Catalog, today: dt.date) -> list[Finding]:
    out = []
    for r in stack.resources:
        for limit, why, blocking in violations(r, limits, today):
            path, line = template_line(catalog, stack.kind, r)
            where = f"{limit.within}.{limit.attribute}" if limit.within else limit.attribute
            out.append(
                Finding(
                    source="catalog",
                    check_id=f"ssops.aws-limit.{limit.id}",
                    severity="high" if blocking else "medium",
                    stack=stack.id,
                    resource=r.address,
                    file=path,
                    line=line,
                    message=f"{r.address}.{where}: {why}; AWS: {limit.rule}",
                    remediation=f"change the request's value, or the {stack.kind} template at {path}:{line}",
                    link=limit.source,
                    blocking=blocking,
                )
            )
    return out
