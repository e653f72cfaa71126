"""Which stacks a change touches, and why, from the diff between the merge base and the head.

We diff the merge base against head (what the PR changes, not what main did meanwhile),
so the work follows the size of the diff; only a platform change reaches beyond it, to
every request of a kind (a template change) or of an environment (platform.yaml).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from ssops_ci.config import yamlsrc
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.model.layout import (
    PLATFORM,
    TEMPLATES,
    is_request_file,
    is_request_path,
    is_self_service,
    stack_id_of_request,
    stack_of_rendered,
)
from ssops_ci.model.plan import Affected, PathChange, Touched


def request_id(path: str) -> str:
    # A file in the wrong place still gets a stack entry, so its error is reported, not dropped.
    return stack_id_of_request(path) or path


class _Builder:
    def __init__(self) -> None:
        self.touched: dict[str, Touched] = {}

    def add(self, stack_id: str, reason: str | None = None, **paths: str | None) -> None:
        t = self.touched.get(stack_id) or Touched(id=stack_id)
        update: dict[str, object] = {k: v for k, v in paths.items() if k != "rendered_path"}
        if reason:
            update["reasons"] = t.reasons | {reason}
        if paths.get("rendered_path"):
            update["rendered_paths"] = t.rendered_paths | {paths["rendered_path"]}
        self.touched[stack_id] = t.model_copy(update=update)


def _renamed_request(c: PathChange) -> bool:
    a, b = c.a_path, c.b_path
    return (
        c.status == "R"
        and bool(a and b)
        and is_request_path(a or "")
        and is_request_path(b or "")
        and request_id(a or "") != request_id(b or "")
    )


def _request_change(out: _Builder, c: PathChange, path: str) -> None:
    sid = request_id(path)
    if c.status == "A":
        out.add(sid, "request-added", head_path=path)
    elif c.status == "D":
        out.add(sid, "request-deleted", base_path=path)
    else:
        out.add(sid, "request-changed", head_path=c.b_path, base_path=c.a_path)


def _path_change(out: _Builder, c: PathChange, path: str) -> None:
    if is_request_file(path):
        _request_change(out, c, path)
    elif sid := stack_of_rendered(path):
        out.add(sid, rendered_path=path)  # drift, unless it matches a fresh rendering


def detect(changes: Iterable[PathChange], base: str, head: str, merge_base: str) -> Affected:
    out = _Builder()
    governance: set[str] = set()
    templates: set[str] = set()
    for c in changes:
        paths = sorted({p for p in (c.a_path, c.b_path) if p})
        governance |= {p for p in paths if not is_self_service(p)}
        templates |= {p for p in paths if p.startswith(TEMPLATES + "/")}
        if _renamed_request(c):
            assert c.a_path and c.b_path
            out.add(request_id(c.a_path), "request-deleted", base_path=c.a_path)
            out.add(request_id(c.b_path), "request-added", head_path=c.b_path, renamed_from=c.a_path)
            continue
        for p in paths:
            _path_change(out, c, p)
    return Affected(
        base=base,
        head=head,
        merge_base=merge_base,
        governance_paths=sorted(governance),
        template_paths=sorted(templates),
        touched=out.touched,
    )


def kinds_reached(found: Affected, catalogs: Iterable[Catalog]) -> set[str]:
    """Kinds whose every request a template change reaches (judged by the base and the head catalog)."""
    return {k for path in found.template_paths for c in catalogs for k in c.kinds_reached_by(path)}


@dataclass(frozen=True)
class PlatformReach:
    """Which requests a platform.yaml change can re-render: all of them, or those of some environments."""

    everything: bool = False
    environments: frozenset[str] = frozenset()


def platform_reach(found: Affected, old: Platform, new: Platform) -> PlatformReach:
    if PLATFORM not in found.governance_paths:
        return PlatformReach()
    if (old.name_prefix, old.allowed_providers) != (new.name_prefix, new.allowed_providers):
        return PlatformReach(everything=True)
    envs = {e for e in new.environments if old.environments.get(e) != new.environments.get(e)}
    return PlatformReach(environments=frozenset(envs))


def reached_by(data: bytes | None, kinds: frozenset[str], environments: frozenset[str]) -> bool:
    """Whether a request file is of one of `kinds` or in one of `environments`, read as YAML (any spelling:
    quoted keys, flow style, anchors). A file that does not parse is counted in, so that it is reported."""
    if not kinds and not environments:
        return False
    try:
        body = yaml.load(data or b"", Loader=yamlsrc.SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return True
    if not isinstance(body, dict):
        return True
    meta = body.get("metadata")
    env = meta.get("environment") if isinstance(meta, dict) else None
    return str(body.get("kind")) in kinds or str(env) in environments


def with_reach(found: Affected, paths: Iterable[str]) -> Affected:
    """The stacks a platform change reaches without their request changing, added as template-changed."""
    out = _Builder()
    out.touched = dict(found.touched)
    for path in sorted(set(paths)):
        sid = request_id(path)
        head_path = (out.touched.get(sid) or Touched(id=sid)).head_path or path
        out.add(sid, "template-changed", head_path=head_path)
    return found.model_copy(update={"touched": out.touched})


def matrix(found: Affected, group_size: int = 25, max_groups: int = 256) -> dict[str, object]:
    """GitHub Actions matrix: stack groups, at most 256 jobs however big the change."""
    ids = sorted(found.touched)
    if not ids:
        return {"include": []}
    size = max(group_size, -(-len(ids) // max_groups))
    groups = [ids[i : i + size] for i in range(0, len(ids), size)]
    return {"include": [{"group": f"{n + 1}/{len(groups)}", "stacks": " ".join(g)} for n, g in enumerate(groups)]}


def per_stack_matrix(ids: list[str], max_jobs: int = 256) -> dict[str, object]:
    """GitHub Actions matrix for applying: one job per stack, so a per-stack concurrency group (`lock`)
    serialises applies of a stack across merges. Beyond GitHub's 256 jobs, stacks share jobs."""
    ids = sorted(ids)
    if len(ids) <= max_jobs:
        return {"include": [{"stacks": sid, "lock": sid} for sid in ids]}
    size = -(-len(ids) // max_jobs)
    groups = [ids[i : i + size] for i in range(0, len(ids), size)]
    return {"include": [{"stacks": " ".join(g), "lock": f"{g[0]}..{g[-1]}"} for g in groups]}
