"""The working directory as a `Tree` (for authoring commands), and writing `rendered/` back to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ssops_ci.model.layout import LINK_REFUSED, RENDERED
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.stack import Mismatch, Stack
from ssops_ci.stages.rendered import expected_files


class WorkTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = "working tree"

    def read(self, path: str) -> bytes | None:
        p = self.root / path
        if any(q.is_symlink() for q in (p, *p.parents) if q.is_relative_to(self.root) and q != self.root):
            raise InputError([Problem(path, 1, 1, LINK_REFUSED)])
        return p.read_bytes() if p.is_file() else None

    def digest(self, path: str) -> str | None:
        return None  # files being edited: never cached

    def files(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if not base.is_dir():
            return iter(())
        # links are listed (and refused when read), never followed: rglob does not descend into them
        found = (p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file() or p.is_symlink())
        return iter(sorted(found))


def _remove(root: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    for parent in target.parents:
        if parent == root / RENDERED or not parent.is_dir() or any(parent.iterdir()):
            break
        parent.rmdir()


def write_rendered(root: Path, stacks: list[Stack], mismatches: list[Mismatch]) -> None:
    """Make every mismatched file under rendered/ what rendering gives (atomically, file by file)."""
    expected = expected_files(stacks)
    for m in mismatches:
        target = root / m.path
        if m.state in ("unexpected", "orphaned"):
            _remove(root, target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(expected[m.path], encoding="utf-8")
        tmp.replace(target)
