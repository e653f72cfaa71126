"""The working directory as a `Tree` (for authoring commands), and writing `rendered/` back to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ssops_ci.model.layout import LINK_REFUSED, RENDERED
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.stack import Mismatch


class WorkTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = "working tree"
        self._plain_dirs: set[str] = set()  # folders already seen to be real folders, not links

    # os.path rather than pathlib below: building Path objects cost more than the reads themselves
    # when `render` reads 20,000 files.
    def _linked(self, path: str) -> bool:
        """Is the file, or any folder between it and the root, a symbolic link?"""
        parts = path.split("/")
        for i in range(len(parts), 0, -1):
            sub = "/".join(parts[:i])
            if i < len(parts) and sub in self._plain_dirs:
                return False
            if os.path.islink(os.path.join(self.root, sub)):  # noqa: PTH114, PTH118
                return True
            if i < len(parts):
                self._plain_dirs.add(sub)
        return False

    def read(self, path: str) -> bytes | None:
        if path.startswith("/") or ".." in path.split("/"):
            raise InputError([Problem(path, 1, 1, "is outside the repository; name a file inside it")])
        if self._linked(path):
            raise InputError([Problem(path, 1, 1, LINK_REFUSED)])
        try:
            with open(os.path.join(self.root, path), "rb") as f:  # noqa: PTH118
                return f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def digest(self, path: str) -> str | None:
        return None  # files being edited: never cached

    def files(self, prefix: str) -> Iterator[str]:
        found: list[str] = []
        _walk(os.path.join(self.root, prefix), prefix.rstrip("/"), found)  # noqa: PTH118
        return iter(sorted(found))


def _walk(folder: str, rel: str, found: list[str]) -> None:
    """Regular files and links under `folder`; links are listed (and refused when read), never followed."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for e in entries:
        if e.is_symlink() or e.is_file(follow_symlinks=False):
            found.append(f"{rel}/{e.name}")
        elif e.is_dir(follow_symlinks=False):
            _walk(e.path, f"{rel}/{e.name}", found)


def _remove(root: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    for parent in target.parents:
        if parent == root / RENDERED or not parent.is_dir() or any(parent.iterdir()):
            break
        parent.rmdir()


def write_rendered(root: Path, expected: dict[str, str], mismatches: list[Mismatch]) -> None:
    """Make every mismatched file under rendered/ what rendering gives (`expected`: path -> text),
    atomically, file by file."""
    for m in mismatches:
        target = root / m.path
        if m.state in ("unexpected", "orphaned"):
            _remove(root, target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(expected[m.path], encoding="utf-8")
        tmp.replace(target)
