"""Rendered resources checked against the provider's own schema, the way `terraform validate` would.

What it finds: unknown arguments and blocks (with a "did you mean"), missing required ones, too many
or too few blocks, computed-only attributes set, deprecated attributes, and literal values of the wrong
type. Expressions (`${...}`) are left to Terraform. Each problem names the template line that wrote the
resource, because only the platform team can fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ssops_ci.config.catalog import Catalog
from ssops_ci.model.finding import Finding
from ssops_ci.model.fmt import closest
from ssops_ci.model.layout import TEMPLATES
from ssops_ci.model.stack import Resource, Stack

# Terraform's meta-arguments and meta-blocks: valid on any resource whatever its schema says.
_META_ARGS = frozenset({"count", "for_each", "depends_on", "provider"})
_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
Schemas = dict[str, Any]  # the compact provider schema: "TYPE" | "data.TYPE" -> block


@dataclass(frozen=True)
class SchemaProblem:
    resource: Resource
    message: str
    deprecated: bool = False  # a warning: Terraform still accepts it


def _expression(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _type_problem(value: Any, expected: Any) -> str | None:
    """Why a literal cannot be the attribute's type (Terraform converts between string, number, bool)."""
    if _expression(value) or value is None:
        return None
    if expected == "string":
        return None if isinstance(value, str | int | float | bool) else "a string"
    if expected == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return "a number"
        return None if not isinstance(value, str) or _NUMBER.fullmatch(value) else "a number"
    if expected == "bool":
        return None if isinstance(value, bool) or value in ("true", "false") else "true or false"
    if isinstance(expected, list) and expected and expected[0] in ("list", "set"):
        # a list of objects may be written as repeated blocks ("attributes as blocks": `ingress { }`)
        as_blocks = isinstance(value, dict) and isinstance(expected[1], list) and expected[1][:1] == ["object"]
        return None if isinstance(value, list) or as_blocks else f"a {expected[0]}"
    if isinstance(expected, list) and expected and expected[0] in ("map", "object"):
        return None if isinstance(value, dict) else f"an {expected[0]}" if expected[0] == "object" else "a map"
    return None


def _blocks_of(value: Any) -> list[Any]:
    """A block key holds one body (dict) or several (list of dicts) once normalised."""
    return value if isinstance(value, list) else [value]


def _unknown(key: str, block: dict[str, Any], where: str) -> str:
    names = [*block.get("args", []), *block.get("blocks", {})]
    guess = closest(key, names)
    hint = f"; did you mean `{guess}`?" if guess else ""
    return f"{where}: `{key}` is not an argument or block of this resource in the provider schema{hint}"


def _check_block(body: dict[str, Any], block: dict[str, Any], where: str, top: bool) -> list[tuple[str, bool]]:
    """(message, is_deprecation) for one block body against its schema."""
    out: list[tuple[str, bool]] = []
    args, blocks = set(block.get("args", [])), block.get("blocks", {})
    for key, value in body.items():
        if top and (key in _META_ARGS or key in _META_BLOCKS):
            continue
        if key in blocks:
            out += _check_nested(value, blocks[key], f"{where}.{key}")
        elif key in block.get("computed_only", []):
            out.append((f"{where}: `{key}` is set by AWS (computed only); it cannot be set in a template", False))
        elif key not in args:
            out.append((_unknown(key, block, where), False))
        else:
            if key in block.get("deprecated", []):
                out.append((f"{where}: `{key}` is deprecated in the provider schema", True))
            if (wanted := _type_problem(value, block.get("types", {}).get(key))) is not None:
                out.append((f"{where}: `{key}` must be {wanted}, got {value!r}", False))
    out += [(f"{where}: required argument `{r}` is missing", False) for r in block.get("required", []) if r not in body]
    for name, nested in blocks.items():
        if nested.get("min", 0) and name not in body:
            out.append((f"{where}: required block `{name}` is missing", False))
    return out


def _check_nested(value: Any, block: dict[str, Any], where: str) -> list[tuple[str, bool]]:
    bodies = _blocks_of(value)
    out: list[tuple[str, bool]] = []
    most, least = block.get("max", 0), block.get("min", 0)
    if block.get("nesting") == "single" or most == 1:
        most = 1
    if most and len(bodies) > most:
        out.append((f"{where}: at most {most} block(s) allowed, found {len(bodies)}", False))
    if least and len(bodies) < least:
        out.append((f"{where}: at least {least} block(s) required, found {len(bodies)}", False))
    for body in bodies:
        if not isinstance(body, dict):
            out.append((f"{where}: must be a block, got {body!r}", False))
            continue
        out += _check_block(body, block, where, top=False)
    return out


def providers_of(schemas: Schemas) -> set[str]:
    """The local names (`aws`, `random`) of the providers the schemas describe, from their `_meta`."""
    return {name.rsplit("/", 1)[-1] for name in schemas.get("_meta", {}).get("providers", {})}


def check(resources: list[Resource], schemas: Schemas) -> list[SchemaProblem]:
    """Every schema problem of these resources. A type of a provider ssops-ci ships no schema for (an
    allowed provider beyond aws and random) is not checked: render already refused unallowed ones."""
    out: list[SchemaProblem] = []
    known = providers_of(schemas)
    for r in resources:
        if r.type.split("_", 1)[0] not in known:
            continue
        key = r.type if r.mode == "managed" else f"data.{r.type}"
        block = schemas.get(key)
        if block is None:
            guess = closest(key, schemas)
            hint = f"; did you mean `{guess.removeprefix('data.')}`?" if guess else ""
            out.append(SchemaProblem(r, f"{r.address}: `{r.type}` is not a type the provider knows{hint}"))
            continue
        out += [SchemaProblem(r, m, dep) for m, dep in _check_block(r.attrs, block, r.address, top=True)]
    return out


def template_line(catalog: Catalog, kind_name: str, r: Resource) -> tuple[str, int]:
    """The template file and line that write this resource (its block head), as well as can be told."""
    kind = catalog.get(kind_name)
    sources = {**(kind.sources if kind else {}), **catalog.shared}
    out_name = r.file.rsplit("/", 1)[-1] + ".j2"
    head = re.compile(rf'^\s*{"resource" if r.mode == "managed" else "data"}\s+"{re.escape(r.type)}"\s+"?([^"\s{{]*)')
    candidates = sorted(sources.items(), key=lambda item: not item[0].endswith("/" + out_name))
    for name, source in candidates:
        for number, line in enumerate(source.splitlines(), 1):
            m = head.match(line)
            if m and m.group(1) in (r.address.rsplit(".", 1)[-1], ""):
                return f"{TEMPLATES}/{name}", number
    first = next((name for name, _ in candidates), None)
    return (f"{TEMPLATES}/{first}", 1) if first else (r.file, r.line)


def findings(stack: Stack, schemas: Schemas, catalog: Catalog) -> list[Finding]:
    """The stack's schema problems as findings on the template: blocking, except deprecations."""
    out = []
    for p in check(stack.resources, schemas):
        path, line = template_line(catalog, stack.kind, p.resource)
        out.append(
            Finding(
                source="catalog",
                check_id="ssops.provider-schema",
                severity="low" if p.deprecated else "high",
                stack=stack.id,
                resource=p.resource.address,
                file=path,
                line=line,
                message=f"{p.message} (aws provider schema)",
                remediation=f"the {stack.kind} template writes this: the platform team fixes {path}:{line}",
                blocking=not p.deprecated,
            )
        )
    return out
