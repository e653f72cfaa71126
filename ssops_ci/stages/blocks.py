"""What a parsed HCL file holds: its blocks, its resources with their lines, and what a stack may never hold."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ssops_ci.model.stack import Resource

_BLOCK_HEAD = re.compile(r'^(resource|data|module)\s+"?([A-Za-z0-9_-]+)"?(?:\s+"?([A-Za-z0-9_-]+)"?)?\s*\{', re.M)


def normalise(body: Any) -> Any:
    """Undo the parser's habit of wrapping every attribute value in a one-item list."""
    if isinstance(body, dict):
        return {
            k: normalise(v[0] if isinstance(v, list) and len(v) == 1 else v)
            for k, v in body.items()
            if k not in ("__start_line__", "__end_line__")
        }
    if isinstance(body, list):
        return [normalise(v) for v in body]
    return body


def iter_blocks(blocks: dict[str, Any], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, raw body) of every `resource`/`data` block; (name, name, body) for `module`."""
    out = []
    for group in blocks.get(kind, []):
        for first, inner in group.items():
            if kind == "module":
                out.append((first, first, inner))
                continue
            for name, body in inner.items():
                out.append((first, name, body))
    return out


def _module_refusal(name: str, body: dict[str, Any], stack_dir: str) -> str | None:
    source = normalise(body).get("source")
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return f"module {name} must use a local source inside the repository (got {source!r})"
    target = posixpath.normpath(posixpath.join(stack_dir, source))
    if target.startswith("..") or posixpath.isabs(target):
        return f"module {name} source {source!r} points outside the repository"
    return None


def declared_providers(blocks: dict[str, Any]) -> dict[str, str]:
    """Local provider name -> its source (`hashicorp/aws`), from the file's required_providers."""
    out = {}
    for tf in blocks.get("terraform", []):
        for req_group in tf.get("required_providers", []):
            for pname, spec in normalise(req_group).items():
                src = spec.get("source", f"hashicorp/{pname}") if isinstance(spec, dict) else f"hashicorp/{pname}"
                out[pname] = str(src).removeprefix("registry.terraform.io/").lower()
    return out


def _provider_refusals(blocks: dict[str, Any], allowed_providers: list[str]) -> list[str]:
    return [
        f"provider {src!r} is not in policies/platform.yaml allowed_providers"
        for src in declared_providers(blocks).values()
        if src not in allowed_providers
    ]


def implied_refusals(types: set[str], declared: dict[str, str], allowed_providers: list[str]) -> list[tuple[str, str]]:
    """A resource type whose provider required_providers does not name is served by `hashicorp/<prefix>`
    (Terraform's rule), which must be allowed too: otherwise `asw_s3_bucket` would bring in a provider
    the platform never allowed."""
    out = []
    for rtype in sorted(types):
        local = rtype.split("_", 1)[0]
        if local == "terraform":  # terraform_data: built into Terraform, no provider to install
            continue
        source = declared.get(local, f"hashicorp/{local}")
        if source not in allowed_providers:
            why = f"`{rtype}` needs provider {source!r}, which is not in policies/platform.yaml allowed_providers"
            out.append((rtype, f"{why} (a typo in the type, or a provider to allow)"))
    return out


def refused(blocks: dict[str, Any], stack_dir: str, allowed_providers: list[str]) -> list[str]:
    """Constructs a rendered stack may never contain, whatever the template says."""
    out = [
        f"resource {rtype}.{name} has a provisioner block (provisioners run arbitrary commands)"
        for rtype, name, body in iter_blocks(blocks, "resource")
        if "provisioner" in body
    ]
    out += [
        f"data source {dtype}.{name} is not allowed (it runs programs or fetches URLs)"
        for dtype, name, _ in iter_blocks(blocks, "data")
        if dtype in ("external", "http")
    ]
    out += [r for name, _, body in iter_blocks(blocks, "module") if (r := _module_refusal(name, body, stack_dir))]
    return out + _provider_refusals(blocks, allowed_providers)


def resources(
    blocks: dict[str, Any], attributes: list[dict[str, Any]], body: str, path: str, header_lines: int
) -> list[Resource] | None:
    """The resources of a parsed file, given each block's normalised attributes in `iter_blocks` order;
    None when two blocks ended up with one address (Terraform refuses that)."""
    lines: dict[tuple[str, str, str], int] = {}
    line, at = 1 + header_lines, 0
    for m in _BLOCK_HEAD.finditer(body):
        line, at = line + body.count("\n", at, m.start()), m.start()
        lines[(m.group(1), m.group(2), m.group(3) or m.group(2))] = line
    heads = [(mode, rtype, name) for mode in ("resource", "data") for rtype, name, _ in iter_blocks(blocks, mode)]
    if len(heads) != len(attributes) or len(set(heads)) != len(heads):
        return None
    # Built without validation: every field comes from the parser's output, already in shape.
    return [
        Resource.model_construct(
            address=f"{'data.' if mode == 'data' else ''}{rtype}.{name}",
            type=rtype,
            mode="managed" if mode == "resource" else "data",
            file=path,
            line=lines.get((mode, rtype, name), 1),
            attrs=attrs,
        )
        for (mode, rtype, name), attrs in zip(heads, attributes, strict=True)
    ]
