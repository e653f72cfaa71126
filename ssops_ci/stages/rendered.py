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


def compare(actual: Mapping[str, bytes], stacks: list[Stack], only: set[str] | None = None) -> list[Mismatch]:
    """Every file that differs between the committed rendered files in scope (`actual`: every file under
    rendered/, or under the stacks in `only`) and what `stacks` render to."""
    expected = expected_files(stacks)
    owners = {s.dir for s in stacks}
    out: list[Mismatch] = []
    for path, text in expected.items():
        stack_id = stack_of_rendered(path) or ""
        if only is not None and stack_id not in only:
            continue
        data = actual.get(path)
        state = "missing" if data is None else classify(data.decode("utf-8", "replace"), text)
        if state:
            out.append(Mismatch(path=path, state=state, stack=stack_id))
    for path in actual:
        owner = stack_of_rendered(path)
        if path in expected or owner is None:
            continue
        state = "unexpected" if f"rendered/{owner}" in owners else "orphaned"
        out.append(Mismatch(path=path, state=state, stack=owner))
    return sorted(out)
