"""Read-only views of the repository: the working directory, or one git commit.

The gate reads policies and templates from the base commit and requests from the
head commit, so every stage takes a `Tree` rather than touching the filesystem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import git

from ssops_ci.model.problems import SsopsError


class Tree(Protocol):
    label: str

    def read(self, path: str) -> bytes | None:
        """Bytes of a file, or None when it does not exist."""

    def files(self, prefix: str) -> Iterator[str]:
        """Every file path below `prefix` (a folder), repository-relative, sorted."""


class WorkTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = "working tree"

    def read(self, path: str) -> bytes | None:
        p = self.root / path
        return p.read_bytes() if p.is_file() else None

    def files(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if not base.is_dir():
            return iter(())
        found = (p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())
        return iter(sorted(found))


class GitTree:
    """A commit's tree, read through GitPython's object database (no checkout)."""

    def __init__(self, repo: git.Repo, commit: git.Commit) -> None:
        self.repo = repo
        self.commit = commit
        self.sha = commit.hexsha
        self.label = commit.hexsha[:12]
        # Parsed tree objects by folder: GitPython re-parses every tree on each `tree / path`.
        self._trees: dict[str, git.Tree | None] = {"": commit.tree}

    def _tree(self, folder: str) -> git.Tree | None:
        if folder not in self._trees:
            parent, _, name = folder.rpartition("/")
            up = self._tree(parent)
            found = None
            if up is not None:
                try:
                    obj = up[name]
                    found = obj if isinstance(obj, git.Tree) else None
                except KeyError:
                    pass
            self._trees[folder] = found
        return self._trees[folder]

    def _object(self, path: str) -> git.Object | None:
        folder, _, name = path.strip("/").rpartition("/")
        tree = self._tree(folder)
        if tree is None:
            return None
        try:
            return tree[name] if name else tree
        except KeyError:
            return None

    def read(self, path: str) -> bytes | None:
        obj = self._object(path)
        if not isinstance(obj, git.Blob):
            return None
        data: bytes = obj.data_stream.read()
        return data

    def files(self, prefix: str) -> Iterator[str]:
        obj = self._object(prefix.rstrip("/"))
        if not isinstance(obj, git.Tree):
            return iter(())
        return iter(sorted(str(b.path) for b in obj.traverse() if isinstance(b, git.Blob)))


def open_repo(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise SsopsError(f"{path} is not a git repository; pass --repo DIR pointing at the checkout") from None


def resolve(repo: git.Repo, ref: str) -> git.Commit:
    try:
        obj = repo.rev_parse(ref)
    except (git.BadName, git.BadObject, ValueError):
        raise SsopsError(
            f"unknown git ref '{ref}': fetch it first (e.g. `git fetch origin {ref}`) or pass a commit SHA"
        ) from None
    if isinstance(obj, git.TagObject):
        obj = obj.object
    if not isinstance(obj, git.Commit):
        raise SsopsError(f"git ref '{ref}' does not name a commit")
    return obj
