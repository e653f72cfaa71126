"""A catalog kind rendering only null_resource, so the terraform engine runs for real, offline."""

from __future__ import annotations

from pathlib import Path

DECL = """apiVersion: ssops/v1
kind: NullThing
version: 1.0.0
description: A null_resource, for exercising real Terraform offline.
owner: platform
parameters:
  value:
    type: string
    default: one
    description: Stored in the resource's triggers (changing it replaces the resource).
  copies:
    type: integer
    minimum: 0
    maximum: 5
    default: 1
    description: How many extra resources.
  broken:
    type: boolean
    default: false
    description: Render a reference Terraform cannot resolve.
resources:
  null_resource:
    force_new: [triggers]
"""
MAIN = """terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
}

resource "null_resource" "this" {
  triggers = {
    value = {{ spec.value }}
    team  = {{ request.team }}
  }
}
{% for i in range(spec.copies) %}

resource "null_resource" {{ "copy_" ~ i }} {
  triggers = {
    index = {{ i }}
  }
}
{% endfor %}
{% if spec.broken %}

resource "null_resource" "broken" {
  triggers = {
    value = var.does_not_exist
  }
}
{% endif %}
"""


def install(root: Path, terraform: Path, mirror: Path) -> None:
    """Add the kind, allow the null provider and point the terraform engine at local state."""
    (root / "templates/null-thing").mkdir(parents=True)
    (root / "templates/null-thing/template.yaml").write_text(DECL)
    (root / "templates/null-thing/main.tf.j2").write_text(MAIN)
    platform = root / "policies/platform.yaml"
    text = platform.read_text()
    text = text.replace("  - hashicorp/random\n", "  - hashicorp/random\n  - hashicorp/null\n")
    start = text.index("engine: static")
    end = text.index("apply_parallelism")
    text = (
        text[:start]
        + "engine: terraform\nterraform:\n"
        + f"  binary: {terraform}\n  plugin_dir: {mirror}\n"
        + "  backend:\n    type: local\n    config:\n      path: .ssops/tfstate/{stack}.tfstate\n"
        + text[end:]
    )
    platform.write_text(text)


def request(name: str, value: str = "one", copies: int = 1, broken: bool = False, team: str = "payments") -> str:
    return (
        f"apiVersion: ssops/v1\nkind: NullThing\nmetadata:\n  name: {name}\n  team: {team}\n"
        f"  environment: dev\n  costCenter: CC-1\nspec:\n  value: {value}\n  copies: {copies}\n"
        f"  broken: {str(broken).lower()}\n"
    )
