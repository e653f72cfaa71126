from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

from ssops_ci import API_VERSION
from ssops_ci.app.workspace import validate_requests
from ssops_ci.commands.base import guarded, repo_option, workspace
from ssops_ci.config.catalog import Kind
from ssops_ci.model.fmt import did_you_mean
from ssops_ci.model.layout import REQUESTS
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.request import NAME_RULE, valid_name
from ssops_ci.ports import Tree


def _value(v: object) -> str:
    # JSON is valid YAML and quotes every string, so "16" stays a string.
    return json.dumps(v, ensure_ascii=False)


def starter(kind: Kind, team: str, name: str, env: str, cost_center: str) -> str:
    lines = [
        f"# yaml-language-server: $schema=../../schemas/{kind.name}.json",
        f"apiVersion: {API_VERSION}",
        f"kind: {kind.name}",
        "metadata:",
        f"  name: {name}",
        f"  team: {team}",
        f"  environment: {env}",
        f"  costCenter: {_value(cost_center)}",
        '  description: ""',
        "spec:",
    ]
    for pname, p in kind.spec.parameters.items():
        hint = p.description
        if p.enum:
            hint += f" One of: {', '.join(p.enum)}."
        if p.minimum is not None and p.maximum is not None:
            hint += f" Range: {p.minimum:g} to {p.maximum:g}."
        for chunk in textwrap.wrap(hint, 96):
            lines.append(f"  # {chunk}")
        value = p.example if p.required else p.default
        lines.append(f"  {pname}: {_value(value)}")
    return "\n".join(lines) + "\n"


class _WithFile:
    """The working tree as it will be once the starter is written, so it is judged like any request."""

    def __init__(self, tree: Tree, path: str, data: bytes) -> None:
        self.tree, self.path, self.data, self.label = tree, path, data, tree.label

    def read(self, path: str) -> bytes | None:
        return self.data if path == self.path else self.tree.read(path)

    def digest(self, path: str) -> str | None:
        return None

    def files(self, prefix: str) -> Iterator[str]:
        return iter(sorted(set(self.tree.files(prefix)) | ({self.path} if self.path.startswith(prefix) else set())))


@click.command()
@repo_option
@click.argument("kind")
@click.option("--team", required=True)
@click.option("--name", required=True)
@click.option("--env", type=click.Choice(["dev", "staging", "prod"]), required=True)
@click.option("--cost-center", default=None, help="Default: the team's cost center in policies/teams.yaml.")
@guarded
def new(repo: Path, kind: str, team: str, name: str, env: str, cost_center: str | None) -> int:
    """Write a valid starter request for KIND."""
    tree, g = workspace(repo)
    chosen = g.catalog.get(kind)
    if chosen is None:
        guess = did_you_mean(kind, g.catalog.kinds)
        raise SsopsError(
            f"unknown kind {kind!r};{guess} `ssops-ci catalog` lists: {', '.join(sorted(g.catalog.kinds))}"
        )
    if team not in g.teams.teams:
        raise SsopsError(f"team {team!r} is not in policies/teams.yaml; known teams: {', '.join(g.teams.teams)}")
    if not valid_name(name):
        raise SsopsError(f"--name {name!r} must be {NAME_RULE}, e.g. orders-db")
    cc = cost_center or g.teams.teams[team].cost_center
    if not cc:
        raise SsopsError(f"team {team} has no default cost center; pass --cost-center")
    path = f"{REQUESTS}/{team}/{name}.yaml"
    target = tree.root / path
    if target.exists():
        raise SsopsError(f"{path} already exists; pick another --name or edit that file")
    text = starter(chosen, team, name, env, cc)
    found = validate_requests(_WithFile(tree, path, text.encode()), g, [path])
    if found.problems:
        raise SsopsError(f"cannot write {path}:\n" + "\n".join(str(p) for p in found.problems))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}: edit spec, then `ssops-ci validate {path}` and `ssops-ci render`")
    return 0
