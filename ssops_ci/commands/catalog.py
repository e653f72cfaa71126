from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ssops_ci.commands.base import guarded, repo_option, workspace
from ssops_ci.config.catalog import Kind
from ssops_ci.model.fmt import table


def describe(kind: Kind) -> dict[str, Any]:
    spec = kind.spec
    return {
        "kind": spec.kind,
        "version": spec.version,
        "folder": f"templates/{kind.folder}",
        "owner": spec.owner,
        "description": spec.description,
        "parameters": {
            name: {
                "type": p.type,
                "description": p.description,
                **({"default": p.default} if not p.required else {"required": True}),
                **({"enum": p.enum} if p.enum else {}),
                **({"minimum": p.minimum} if p.minimum is not None else {}),
                **({"maximum": p.maximum} if p.maximum is not None else {}),
            }
            for name, p in spec.parameters.items()
        },
        "usage": {k: u.model_dump() for k, u in spec.usage.items()},
        "resources": sorted(spec.resources),
        "checkov_exceptions": [e.model_dump() for e in spec.checkov_exceptions],
    }


def _default(p: dict[str, Any]) -> str:
    return "required" if p.get("required") else json.dumps(p["default"])


def _allowed(p: dict[str, Any]) -> str:
    if "enum" in p:
        return ", ".join(p["enum"])
    if "minimum" in p or "maximum" in p:
        return f"{p.get('minimum', '-inf'):g}..{p.get('maximum', 'inf'):g}"
    return ""


@click.command()
@repo_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def catalog(repo: Path, as_json: bool) -> int:
    """List the kinds that can be requested and their parameters."""
    _, g = workspace(repo)
    kinds = [describe(k) for _, k in sorted(g.catalog.kinds.items())]
    if as_json:
        click.echo(json.dumps({"kinds": kinds}, indent=2, default=str))
        return 0
    for k in kinds:
        click.secho(f"{k['kind']} {k['version']}", bold=True, nl=False)
        click.echo(f"  ({k['folder']}, owner {k['owner']})")
        click.echo(f"  {k['description']}")
        rows = [[name, p["type"], _default(p), _allowed(p)] for name, p in k["parameters"].items()]
        for line in table(rows, ["parameter", "type", "default", "allowed"], "llll", indent=4):
            click.echo(line)
        click.echo()
    return 0
