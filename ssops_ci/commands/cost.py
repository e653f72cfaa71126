"""`ssops-ci cost`: what the current requests cost per month (Infracost's `breakdown`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ssops_ci.adapters.clock import SystemClock
from ssops_ci.app.workspace import breakdown
from ssops_ci.commands.base import ProgressBar, guarded, repo_option, selected_files, workspace
from ssops_ci.model.fmt import money, quantity, table


def _component_row(c: dict[str, Any], last: bool) -> list[list[str]]:
    branch, under = ("└─", "   ") if last else ("├─", "│  ")
    if c["monthly_cost"] is None and c["unit_price"] is not None:  # usage-based, shown as Infracost does
        row = [f"{branch} {c['name']}", "", "", f"${c['unit_price']:g} per {c['unit']}"]
    else:
        qty = "unknown" if c["quantity"] is None else quantity(c["quantity"])
        cost = "-" if c["monthly_cost"] is None else money(c["monthly_cost"])
        row = [f"{branch} {c['name']}", qty, c["unit"], cost]
    return [row] + ([[f"{under}  {c['usage']}", "", "", ""]] if c["usage"] else [])


def _stack_lines(s: dict[str, Any]) -> list[str]:
    rows: list[list[str]] = []
    for r in s["resources"]:
        if r["status"] == "free":
            continue
        rows.append([r["address"] + ("  (not priced)" if r["status"] == "not-priced" else ""), "", "", ""])
        comps = r["components"]
        for i, c in enumerate(comps):
            rows += _component_row(c, i == len(comps) - 1)
    rows.append(["Monthly", "", "", money(s["monthly"])])
    return [*table(rows, ["Name", "Monthly qty", "Unit", "Monthly cost"], "lrlr", indent=1), ""]


def _print(doc: dict[str, Any]) -> None:
    for s in doc["stacks"]:
        click.secho(f"{s['id']}  ({s['kind']}, {s['environment']}, {s['region']})", bold=True)
        for line in _stack_lines(s):
            click.echo(line)
    click.secho("teams", bold=True)
    rows = [
        [team, money(t["monthly"]), money(t["budget"]) if t["budget"] is not None else "none", t["stacks"]]
        for team, t in sorted(doc["teams"].items())
    ]
    rows.append(["total", money(doc["monthly"]), "", ""])
    for line in table(rows, ["Team", "Monthly", "Budget", "Stacks"], "lrrr", indent=1):
        click.echo(line)


@click.command()
@repo_option
@click.argument("paths", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def cost(repo: Path, paths: tuple[str, ...], as_json: bool) -> int:
    """Monthly cost of the current requests (default: all), per resource, stack and team."""
    tree, s = workspace(repo)
    doc = breakdown(tree, s, selected_files(tree, repo, paths), SystemClock().today(), ProgressBar("pricing requests"))
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        _print(doc)
    return 0
