"""Compare and sync the committed `rendered/` tree with what rendering gives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from ssops_ci.adapters.git import Tree
from ssops_ci.stages.render import Stack, body_of

ROOT = "rendered"
State = Literal["missing", "stale", "hand-edited", "unexpected", "orphaned"]
_ADVICE: dict[str, str] = {
    "missing": "not rendered yet",
    "stale": "out of date with its request or template",
    "hand-edited": "edited by hand (its checksum no longer matches)",
    "unexpected": "not produced by the template",
    "orphaned": "its request is gone",
}


@dataclass(frozen=True, order=True)
class Mismatch:
    path: str
    state: State
    stack: str

    def __str__(self) -> str:
        return f"{self.path}: {self.state}: {_ADVICE[self.state]}"


def stack_of(path: str) -> str | None:
    parts = PurePosixPath(path).parts
    return f"{parts[1]}/{parts[2]}" if len(parts) >= 4 and parts[0] == ROOT else None


def classify(actual: str, expected: str) -> State | None:
    if actual == expected:
        return None
    claimed, body = body_of(actual)
    if claimed is None or hashlib.sha256(body.encode()).hexdigest() != claimed:
        return "hand-edited"
    return "stale"


def compare(tree: Tree, stacks: list[Stack], only: set[str] | None = None) -> list[Mismatch]:
    """Every file under rendered/ that differs from `stacks` (restricted to stack ids in `only`)."""
    expected = {p: t for s in stacks for p, t in s.paths().items()}
    owners = {s.dir for s in stacks}
    out: list[Mismatch] = []
    for path, text in expected.items():
        stack_id = stack_of(path) or ""
        if only is not None and stack_id not in only:
            continue
        data = tree.read(path)
        if data is None:
            out.append(Mismatch(path, "missing", stack_id))
            continue
        state = classify(data.decode("utf-8", "replace"), text)
        if state:
            out.append(Mismatch(path, state, stack_id))
    dirs = [f"{ROOT}/{s}" for s in only] if only is not None else [ROOT]
    for d in dirs:
        for path in tree.files(d):
            owner = stack_of(path)
            if path in expected or owner is None:
                continue
            out.append(Mismatch(path, "unexpected" if f"{ROOT}/{owner}" in owners else "orphaned", owner))
    return sorted(out)


def write(root: Path, stacks: list[Stack], mismatches: list[Mismatch]) -> None:
    expected = {p: t for s in stacks for p, t in s.paths().items()}
    for m in mismatches:
        target = root / m.path
        if m.state in ("unexpected", "orphaned"):
            target.unlink(missing_ok=True)
            for parent in target.parents:
                if parent == root / ROOT or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(expected[m.path], encoding="utf-8")
            tmp.replace(target)
