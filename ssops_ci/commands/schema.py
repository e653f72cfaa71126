from __future__ import annotations

import json
from pathlib import Path

import click

from ssops_ci.commands.base import guarded, repo_option, workspace


@click.command()
@repo_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@guarded
def schema(repo: Path, out: Path) -> int:
    """Write a JSON Schema per kind (for yaml-language-server autocompletion)."""
    _, g = workspace(repo)
    out.mkdir(parents=True, exist_ok=True)
    for name, kind in sorted(g.catalog.kinds.items()):
        schema = kind.request_model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["description"] = kind.spec.description
        target = out / f"{name}.json"
        target.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {target}")
    return 0
