"""`ssops-ci cost`: what the current requests cost per month (Infracost's `breakdown`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ssops_ci.adapters.static_engine import resolved
from ssops_ci.commands import selected_files, workspace
from ssops_ci.config import pricing as pricebook
from ssops_ci.config.pricing import PricingError
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.fmt import money
from ssops_ci.model.problems import InputError, SsopsError
from ssops_ci.stages import validate as requests
from ssops_ci.stages.cost import ResourceCost, resource_cost, usage_for
from ssops_ci.stages.render import Renderer


def breakdown(repo: Path, paths: tuple[str, ...]) -> dict[str, Any]:
    tree, g = workspace(repo)
    prices = pricebook.load(tree)
    loaded = requests.load_all(tree, g.catalog, g.teams, selected_files(tree, repo, paths))
    if loaded.problems:
        raise InputError(loaded.problems)
    renderer = Renderer(g.catalog, g.platform)
    stacks: list[dict[str, Any]] = []
    teams: dict[str, dict[str, Any]] = {}
    total = 0.0
    for req in loaded.requests:
        stack = renderer.render(req)
        region = g.platform.environments[req.environment].region  # type: ignore[index]
        try:
            book = prices.book(region)
        except PricingError as e:
            raise SsopsError(str(e)) from None
        kind = g.catalog.get(req.kind)
        overrides = req.spec.get("usage") if isinstance(req.spec.get("usage"), dict) else None
        lines: list[ResourceCost] = []
        for r in stack.resources:
            if r.mode != "managed":
                continue
            change = ResourceChange(address=r.address, type=r.type, action="create", after=resolved(r, stack))
            try:
                lines.append(resource_cost(change, prices, (None, book), ({}, usage_for(kind, overrides, r.address))))
            except PricingError as e:
                raise SsopsError(f"{stack.id}: {e}") from None
        monthly = round(sum(x.monthly_after or 0 for x in lines), 2)
        total += monthly
        budget = g.teams.teams[req.team].monthly_budget_usd if req.team in g.teams.teams else None
        team = teams.setdefault(req.team, {"monthly": 0.0, "budget": budget, "stacks": 0})
        team["monthly"] = round(team["monthly"] + monthly, 2)
        team["stacks"] += 1
        stacks.append(
            {
                "id": stack.id,
                "kind": req.kind,
                "environment": req.environment,
                "region": region,
                "monthly": monthly,
                "not_priced": sum(1 for x in lines if x.status == "not-priced"),
                "usage_unknown": sum(x.unknown_components for x in lines),
                "resources": [x.model_dump(exclude={"monthly_before", "monthly_delta", "action"}) for x in lines],
            }
        )
    return {"currency": "USD", "monthly": round(total, 2), "teams": teams, "stacks": stacks}


def run(repo: Path, paths: tuple[str, ...], as_json: bool) -> int:
    doc = breakdown(repo, paths)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return 0
    for s in doc["stacks"]:
        click.secho(f"{s['id']}  ({s['kind']}, {s['environment']}, {s['region']})", bold=True)
        for r in s["resources"]:
            if r["status"] == "free":
                continue
            click.echo(f"  {r['address']}" + ("  (not priced)" if r["status"] == "not-priced" else ""))
            for c in r["components"]:
                qty = "unknown" if c["quantity"] is None else f"{c['quantity']:,.2f} {c['unit']}"
                cost = "-" if c["monthly_cost"] is None else money(c["monthly_cost"])
                click.echo(f"    {c['name']:<62} {qty:>24} {cost:>12}")
                if c["usage"]:
                    click.echo(f"      ({c['usage']})")
        click.echo(f"  {'monthly':<62} {'':>24} {money(s['monthly']):>12}\n")
    click.secho("teams", bold=True)
    for team, t in sorted(doc["teams"].items()):
        budget = f" of {money(t['budget'])} budget" if t["budget"] is not None else ""
        click.echo(f"  {team:<20} {money(t['monthly']):>12}{budget} ({t['stacks']} stack(s))")
    click.echo(f"  {'total':<20} {money(doc['monthly']):>12}")
    return 0
