"""Is `rendered/` exactly what rendering the requests gives? Every file that is not, and why."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from ssops_ci.model.layout import stack_of_rendered
from ssops_ci.model.stack import Mismatch, MismatchState, Stack
from ssops_ci.stages.render import body_of


def classify(actual: str, expected: str) -> MismatchState | None:
    if actual == expected:
        return None
    claimed, body = body_of(actual)
    if claimed is None or hashlib.sha256(body.encode()).hexdigest() != claimed:
        return "hand-edited"
    return "stale"


def expected_files(stacks: list[Stack]) -> dict[str, str]:
    return {p: t for s in stacks for p, t in s.paths().items()}


def _in_scope(stack_id: str | None, only: set[str] | None) -> bool:
    return stack_id is not None and (only is None or stack_id in only)


def compare(actual: Mapping[str, bytes], stacks: list[Stack], only: set[str] | None = None) -> list[Mismatch]:
    """Every file that differs between the committed files under rendered/ (`actual`) and what `stacks`
    render to; with `only`, just the files of those stack ids."""
    return compare_files(actual, expected_files(stacks), {s.dir for s in stacks}, only)


def compare_files(
    actual: Mapping[str, bytes], expected: Mapping[str, str], owners: set[str], only: set[str] | None = None
) -> list[Mismatch]:
    """`compare` given the expected files (path -> text) and the stack folders they belong to."""
    out: list[Mismatch] = []
    for path, text in expected.items():
        stack_id = stack_of_rendered(path) or ""
        if not _in_scope(stack_id, only):
            continue
        data = actual.get(path)
        state = "missing" if data is None else classify(data.decode("utf-8", "replace"), text)
        if state:
            out.append(Mismatch(path=path, state=state, stack=stack_id))
    for path in actual:
        owner = stack_of_rendered(path)
        if path in expected or owner is None or not _in_scope(owner, only):
            continue
        state = "unexpected" if f"rendered/{owner}" in owners else "orphaned"
        out.append(Mismatch(path=path, state=state, stack=owner))
    return sorted(out)
