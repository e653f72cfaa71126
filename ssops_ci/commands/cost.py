"""`ssops-ci cost`: what the current requests cost per month (Infracost's `breakdown`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ssops_ci.adapters.clock import SystemClock
from ssops_ci.app.workspace import breakdown
from ssops_ci.commands.base import guarded, repo_option, selected_files, workspace
from ssops_ci.model.fmt import money


def _stack_lines(s: dict[str, Any]) -> list[str]:
    lines = []
    for r in s["resources"]:
        if r["status"] == "free":
            continue
        lines.append(f"  {r['address']}" + ("  (not priced)" if r["status"] == "not-priced" else ""))
        for c in r["components"]:
            qty = "unknown" if c["quantity"] is None else f"{c['quantity']:,.2f} {c['unit']}"
            cost = "-" if c["monthly_cost"] is None else money(c["monthly_cost"])
            if c["monthly_cost"] is None and c["unit_price"] is not None:
                qty, cost = "", f"${c['unit_price']:g} per {c['unit']}"  # as Infracost shows usage-based lines
            lines.append(f"    {c['name']:<62} {qty:>24} {cost:>12}".rstrip())
            if c["usage"]:
                lines.append(f"      ({c['usage']})")
    lines.append(f"  {'monthly':<62} {'':>24} {money(s['monthly']):>12}\n")
    return lines


def _print(doc: dict[str, Any]) -> None:
    for s in doc["stacks"]:
        click.secho(f"{s['id']}  ({s['kind']}, {s['environment']}, {s['region']})", bold=True)
        for line in _stack_lines(s):
            click.echo(line)
    click.secho("teams", bold=True)
    for team, t in sorted(doc["teams"].items()):
        budget = f" of {money(t['budget'])} budget" if t["budget"] is not None else ""
        click.echo(f"  {team:<20} {money(t['monthly']):>12}{budget} ({t['stacks']} stack(s))")
    click.echo(f"  {'total':<20} {money(doc['monthly']):>12}")


@click.command()
@repo_option
@click.argument("paths", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def cost(repo: Path, paths: tuple[str, ...], as_json: bool) -> int:
    """Monthly cost of the current requests (default: all), per resource, stack and team."""
    tree, s = workspace(repo)
    doc = breakdown(tree, s, selected_files(tree, repo, paths), SystemClock().today())
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        _print(doc)
    return 0
