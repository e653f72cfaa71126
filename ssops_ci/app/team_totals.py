"""Each team's monthly total once the PR merges, without rendering what did not change.

A team's total is the sum of what its stacks cost. Each request's figure is cached under a key made of
the digests of everything it depends on: the request file, the head's catalog, platform and teams, the
base's price book, catalog and platform, and the providers the base allows (the cache adds ssops-ci's
own code). In a repository of 10,000 requests a PR then renders only the stacks whose inputs changed.
The cache only ever saves work: the report is the same with or without it (tested).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from ssops_ci.app.revision import Revision
from ssops_ci.model.layout import PLATFORM, PRICING, REQUESTS, TEAMS, TEMPLATES
from ssops_ci.model.problems import InputError
from ssops_ci.ports import Cache, Tree
from ssops_ci.stages import validate
from ssops_ci.stages.cost import Pricing, price_rendering

# {"stack": id, "cloud": [team-name, environment], "parts": [each resource's monthly cost]} or {"invalid": True};
# a request that validates but does not render has no parts yet still claims its stack and name, as in
# `validate_all` followed by rendering.
Summary = dict[str, Any]


def context_key(head: Revision, base: Revision) -> str | None:
    """What every team total depends on besides the request itself; None when a tree cannot say."""
    parts = [head.tree.digest(p) for p in (TEMPLATES, PLATFORM, TEAMS)]
    parts += [base.tree.digest(p) for p in (TEMPLATES, PRICING, PLATFORM)]
    if any(p is None for p in parts):
        return None
    return json.dumps([parts, head.allowed_providers], sort_keys=True)


def _summary(head: Revision, path: str, data: bytes, pricing: Pricing) -> Summary:
    assert head.setup is not None
    try:
        req = validate.parse(path, data, head.setup.catalog, head.setup.teams)
    except InputError:
        return {"invalid": True}
    claimed: Summary = {"stack": req.stack_id, "cloud": list(validate.cloud_key(req)), "parts": []}
    try:
        stack = head.renderer.render(req)
    except InputError:
        return claimed
    return claimed | {"parts": [r.monthly_after or 0.0 for r in price_rendering(stack, req, pricing).resources]}


def _summaries(
    head: Revision, tree: Tree, team: str, pricing: Pricing, cache: Cache | None, ctx: str | None
) -> Iterator[Summary]:
    for path in tree.files(f"{REQUESTS}/{team}"):
        digest = tree.digest(path) if cache is not None and ctx is not None else None
        key = hashlib.sha256(f"{ctx}\0{path}\0{digest}".encode()).hexdigest() if digest else None
        found = cache.get(key) if cache is not None and key else None
        if found is None:
            try:
                data = tree.read(path)
            except InputError:
                continue
            if data is None:
                continue
            found = _summary(head, path, data, pricing)
            if cache is not None and key:
                cache.put(key, found)
        yield found


def team_monthly(head: Revision, base: Revision, tree: Tree, team: str, pricing: Pricing, cache: Cache | None) -> float:
    """The team's stacks in `tree` (the merged view), as `validate_all` would keep them, priced and summed."""
    if head.setup is None:
        return 0.0
    ctx = context_key(head, base)
    if ctx is not None and pricing.as_of is not None:
        ctx += f"\0{pricing.as_of.isoformat()}"  # charges that start on a date (Extended Support)
    seen: set[str] = set()
    clouds: set[tuple[str, str]] = set()
    parts: list[float] = []
    for s in _summaries(head, tree, team, pricing, cache, ctx):
        cloud = tuple(s.get("cloud") or ())
        if s.get("invalid") or s["stack"] in seen or cloud in clouds:
            continue  # the same files `validate_all` drops: invalid, or a second request for a stack or name
        seen.add(s["stack"])
        clouds.add(cloud)
        parts += s["parts"]
    return round(sum(parts), 2)  # summed in the order rendering every request would sum them
