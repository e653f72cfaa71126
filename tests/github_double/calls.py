"""One request to an operation of the double, and what a handler answers."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.github_double.state import Identity

NOT_FOUND = (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]


@dataclass
class Call:
    p: dict[str, str]  # path parameters
    body: Any
    who: Identity
    query: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def user(self) -> str:
        return self.who.login


def paged(c: Call, base_url: str, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """One page of a list and the Link header GitHub sends with it (`per_page` at most 100, 30 by default)."""
    per_page = min(int(c.query.get("per_page") or 30), 100)
    page = max(int(c.query.get("page") or 1), 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    last = max(1, -(-len(items) // per_page))
    if page >= last:
        return chunk, {}
    query = {**c.query, "per_page": str(per_page)}

    def link(n: int, rel: str) -> str:
        return f'<{base_url}{c.path}?{urllib.parse.urlencode({**query, "page": str(n)})}>; rel="{rel}"'

    return chunk, {"Link": ", ".join([link(page + 1, "next"), link(last, "last")])}
