"""What a change between two revisions touches, with both revisions loaded and every stack's two sides."""

from __future__ import annotations

from dataclasses import dataclass

from ssops_ci.app.revision import (
    MergedRequests,
    Revision,
    exists,
    first_existing,
    load_revision,
    rendered_drift,
    side,
)
from ssops_ci.model.layout import REQUESTS, is_request_file, request_candidates
from ssops_ci.model.plan import Affected, Prepared, Side, Touched
from ssops_ci.model.problems import InputError
from ssops_ci.model.request import Request
from ssops_ci.ports import Repository
from ssops_ci.stages import affected, plan, validate


@dataclass
class Scope:
    affected: Affected
    base: Revision
    head: Revision
    merged: MergedRequests  # the requests once the PR merges into the current base


def _reached(found: Affected, base: Revision, head: Revision) -> list[str]:
    """Request files a platform change reaches without changing them, found by reading each request."""
    catalogs = [r.setup.catalog for r in (base, head) if r.setup]
    kinds = frozenset(affected.kinds_reached(found, catalogs))
    environments: frozenset[str] = frozenset()
    if base.setup and head.setup:
        reach = affected.platform_reach(found, base.setup.platform, head.setup.platform)
        if reach.everything:
            return [p for p in head.tree.files(REQUESTS) if is_request_file(p)]
        environments = frozenset(reach.environments)
    if not kinds and not environments:
        return []
    requests = [p for p in head.tree.files(REQUESTS) if is_request_file(p)]
    return [p for p in requests if affected.reached_by(_read(head, p), kinds, environments)]


def _read(revision: Revision, path: str) -> bytes | None:
    try:
        return revision.tree.read(path)
    except InputError:
        return None  # too big or unreadable: counted in, so that validation reports it


def scope(repo: Repository, base_ref: str, head_ref: str) -> Scope:
    base_sha, head_sha = repo.resolve(base_ref), repo.resolve(head_ref)
    merge_base = repo.merge_base(base_sha, head_sha)
    changes = repo.diff(merge_base, head_sha)
    found = affected.detect(changes, base_sha, head_sha, merge_base)
    base = load_revision(repo.tree(base_sha))
    # The head's templates render to show the change, but which providers a stack may pull in is the
    # base's call: a PR must not be able to allow itself a provider binary and have CI run it.
    head = load_revision(repo.tree(head_sha), base.setup.platform.allowed_providers if base.setup else None)
    found = affected.with_reach(found, _reached(found, base, head))
    changed = frozenset(p for c in changes for p in (c.a_path, c.b_path) if p and is_request_file(p))
    return Scope(found, base, head, MergedRequests(base.tree, head.tree, changed))


def rendered_changes(repo: Repository, base_ref: str, head_ref: str) -> tuple[int, list[str]]:
    """`render --check` for what a branch changes: (stacks checked, every problem and out-of-date file).
    Stacks the diff does not reach render as they did at the base, which was checked when it merged."""
    s = scope(repo, base_ref, head_ref)
    out: list[str] = []
    for t in s.affected.touched.values():
        head_path = first_existing(s.head.tree, [t.head_path, *request_candidates(t.id)])
        after = side(s.head, head_path, "head")
        out += [after.error] if after.error else rendered_drift(s.head.tree, t.id, after.stack)
    return len(s.affected.touched), out


def prepare(t: Touched, s: Scope) -> Prepared:
    """One touched stack's two sides, rendered, and its drift; ready for the engine."""
    own = request_candidates(t.id)
    head_path = first_existing(s.head.tree, [t.head_path, *own]) if t.head_path or not t.reasons else None
    after = side(s.head, head_path, "head")
    if len(twins := [p for p in own if exists(s.head.tree, p)]) > 1:
        after = Side(error=f"{' and '.join(twins)} both ask for stack {t.id}; keep one and delete the other")
    elif after.request is not None and (clash := _name_clash(s, after.request)):
        after = Side(error=clash)
    before = side(s.base, first_existing(s.base.tree, [t.base_path, t.head_path, *own]), "base")
    drift = rendered_drift(s.head.tree, t.id, after.stack) if not after.error else []
    catalogs = [r.setup.catalog for r in (s.base, s.head) if r.setup]
    return plan.prepare(t, head_path, before, after, drift, catalogs)


def _name_clash(s: Scope, req: Request) -> str | None:
    """Another request that, once merged, would give the same cloud names (`a-b`/`c` and `a`/`b-c`)."""
    for path in validate.name_twins(req.team, req.name):
        try:
            data = s.merged.read(path)
        except InputError:
            continue
        if data is None or s.head.setup is None:
            continue
        try:
            other = validate.parse(path, data, s.head.setup.catalog, s.head.setup.teams)
        except InputError:
            continue
        if other.environment == req.environment:
            return validate.clash_message(req, other)
    return None
