"""Use cases on the working tree, for people writing requests: validate, render, what it costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ssops_ci.app.memo import ParsedRequests, RenderedFiles
from ssops_ci.app.revision import exists, request_files
from ssops_ci.config import pricing, setup
from ssops_ci.config.pricing import PricingError
from ssops_ci.config.setup import Setup
from ssops_ci.model.layout import POLICIES, RENDERED, TEAMS, TEMPLATES, stack_id_of_request
from ssops_ci.model.problems import InputError, Problem, SsopsError
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Mismatch
from ssops_ci.ports import Cache, Tree
from ssops_ci.stages import rendered, validate
from ssops_ci.stages.cost import Pricing, price_rendering
from ssops_ci.stages.render import Renderer

T = TypeVar("T")


def require_repository(tree: Tree, where: str) -> None:
    """A clear error, instead of one per missing file, when this is no ssops repository at all."""
    if tree.read(TEAMS) is None and not any(tree.files(TEMPLATES)):
        raise SsopsError(
            f"{where} has no {TEMPLATES}/ or {POLICIES}/; run this from an ssops repository (`ssops-ci init` makes one)"
        )


def open_workspace(tree: Tree, where: str) -> Setup:
    """The catalog, teams and platform of the working tree; a clear error when this is no ssops repository."""
    require_repository(tree, where)
    return setup.load(tree)


def validate_requests(
    tree: Tree, s: Setup, paths: list[str] | None = None, cache: Cache | None = None
) -> validate.Validated:
    """Every request, or the named ones, as rendering will judge them: each is rendered, so a cloud name
    AWS would refuse (too long, wrong characters) is reported here, not at apply time."""
    return _validated_and_rendered(tree, s, paths, cache, RenderedFiles(Renderer(s.catalog, s.platform), cache).of)[0]


def _validated_and_rendered(
    tree: Tree,
    s: Setup,
    paths: list[str] | None,
    cache: Cache | None,
    render: Callable[[Request], T],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[validate.Validated, dict[str, T]]:
    """`validate_requests`, keeping what `render` gave for each valid request (by path): each renders once."""
    found = _validated(tree, s, paths, ParsedRequests(cache) if cache is not None else None)
    out: dict[str, T] = {}
    for i, req in enumerate(found.requests, 1):
        try:
            out[req.path] = render(req)
        except InputError as e:
            for problem in e.problems:
                found.fail(problem)
        if progress:
            progress(i, len(found.requests))
    found.requests = [r for r in found.requests if r.path in out]
    return found, out


def _validated(tree: Tree, s: Setup, paths: list[str] | None, parse: validate.Parser | None) -> validate.Validated:
    """Every request, or the named ones checked against the requests whose cloud names they could share."""
    if paths is None:
        return validate.validate_all(request_files(tree), s.catalog, s.teams, parse)
    twins = [
        twin
        for p in paths
        if (sid := stack_id_of_request(p))
        for twin in validate.name_twins(*sid.split("/"))
        if twin not in paths and exists(tree, twin)
    ]
    # the named files come last, so a clash is reported on them rather than on the file already there
    found = validate.validate_all(request_files(tree, twins + paths), s.catalog, s.teams, parse)
    chosen = set(paths)
    return validate.Validated(
        requests=[r for r in found.requests if r.path in chosen],
        problems=[p for p in found.problems if p.path in chosen],
        invalid={k: v for k, v in found.invalid.items() if k in chosen},
    )


@dataclass
class Rendered:
    files: dict[str, str]  # every file rendered/ should hold: path -> text
    count: int  # stacks
    problems: list[Problem]
    mismatches: list[Mismatch]  # files under rendered/ that are not what the requests render to


def render_requests(
    tree: Tree, s: Setup, cache: Cache | None = None, progress: Callable[[int, int], None] | None = None
) -> Rendered:
    """What rendered/ should hold and how it differs; with a cache, unchanged requests are not rendered."""
    valid, files = _validated_and_rendered(
        tree, s, None, cache, RenderedFiles(Renderer(s.catalog, s.platform), cache).of, progress
    )
    expected: dict[str, str] = {}
    dirs: set[str] = set()
    problems = list(valid.problems)
    for req in valid.requests:
        dirs.add(req.rendered_dir)
        expected.update({f"{req.rendered_dir}/{name}": text for name, text in files[req.path].items()})
    if problems:
        return Rendered(expected, len(dirs), problems, [])
    actual = {p: tree.read(p) or b"" for p in tree.files(RENDERED)}
    return Rendered(expected, len(dirs), [], rendered.compare_files(actual, expected, dirs))


def breakdown(
    tree: Tree,
    s: Setup,
    paths: list[str] | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """What the requests cost per month, per resource, stack and team (Infracost's `breakdown`)."""
    prices = Pricing(pricing.load(tree), s.catalog, s.platform, as_of)
    render = Renderer(s.catalog, s.platform).render
    valid, rendered_stacks = _validated_and_rendered(tree, s, paths, None, render, progress)
    if valid.problems:
        raise InputError(valid.problems)
    stacks: list[dict[str, Any]] = []
    teams: dict[str, dict[str, Any]] = {}
    for req in valid.requests:
        stack = rendered_stacks[req.path]
        try:
            prices.book(req)
        except PricingError as e:
            raise SsopsError(str(e)) from None
        try:
            c = price_rendering(stack, req, prices)
        except PricingError as e:
            raise SsopsError(f"{stack.id}: {e}") from None
        budget = s.teams.teams[req.team].monthly_budget_usd if req.team in s.teams.teams else None
        team = teams.setdefault(req.team, {"monthly": 0.0, "budget": budget, "stacks": 0})
        team["monthly"] = round(team["monthly"] + c.monthly_after, 2)
        team["stacks"] += 1
        stacks.append(
            {
                "id": stack.id,
                "kind": req.kind,
                "environment": req.environment,
                "region": c.region,
                "monthly": c.monthly_after,
                "not_priced": c.not_priced,
                "usage_unknown": c.usage_unknown,
                "resources": [x.model_dump(exclude={"monthly_before", "monthly_delta", "action"}) for x in c.resources],
            }
        )
    total = round(sum(st["monthly"] for st in stacks), 2)
    return {"currency": "USD", "monthly": total, "teams": teams, "stacks": stacks}
