"""The git repository behind the `Repository` and `Tree` ports (GitPython; no checkout needed).

This is the only module that hands out git objects' contents; nothing outside adapters/
sees a `git.Repo`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import git

from ssops_ci.model.layout import LINK_REFUSED
from ssops_ci.model.plan import PathChange
from ssops_ci.model.problems import InputError, Problem, SsopsError

LINK_MODE = 0o120000  # a symbolic link in a git tree: its blob is the target's path


class GitTree:
    """A commit's tree, read through GitPython's object database (no checkout)."""

    def __init__(self, commit: git.Commit) -> None:
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
        if obj.mode == LINK_MODE:
            raise InputError([Problem(path, 1, 1, LINK_REFUSED)])
        data: bytes = obj.data_stream.read()
        return data

    def digest(self, path: str) -> str | None:
        obj = self._object(path.rstrip("/"))
        return None if obj is None else str(obj.hexsha)

    def files(self, prefix: str) -> Iterator[str]:
        obj = self._object(prefix.rstrip("/"))
        if not isinstance(obj, git.Tree):
            return iter(())
        return iter(sorted(str(b.path) for b in obj.traverse() if isinstance(b, git.Blob)))


class GitRepository:
    """A repository's history for the use cases: refs to SHAs, trees, diffs, merge bases."""

    def __init__(self, repo: git.Repo) -> None:
        self.git = repo
        self.root = Path(repo.working_dir if not repo.bare else repo.git_dir)
        self._trees: dict[str, GitTree] = {}

    @classmethod
    def open(cls, path: Path) -> GitRepository:
        try:
            return cls(git.Repo(path, search_parent_directories=False))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise SsopsError(f"{path} is not a git repository; pass --repo DIR pointing at the checkout") from None

    def _commit(self, ref: str) -> git.Commit:
        try:
            obj = self.git.rev_parse(ref)
        except (git.BadName, git.BadObject, ValueError):
            raise SsopsError(
                f"unknown git ref '{ref}': fetch it first (e.g. `git fetch origin {ref}`) or pass a commit SHA"
            ) from None
        if isinstance(obj, git.TagObject):
            obj = obj.object
        if not isinstance(obj, git.Commit):
            raise SsopsError(f"git ref '{ref}' does not name a commit")
        return obj

    def resolve(self, ref: str) -> str:
        return self._commit(ref).hexsha

    def tree(self, sha: str) -> GitTree:
        if sha not in self._trees:
            self._trees[sha] = GitTree(self._commit(sha))
        return self._trees[sha]

    def merge_base(self, base: str, head: str) -> str:
        found = self.git.merge_base(base, head)
        if found and isinstance(found[0], git.Commit):
            return found[0].hexsha
        if Path(self.git.git_dir, "shallow").exists():
            raise SsopsError(
                f"no merge base between {base[:12]} and {head[:12]}: this clone is shallow; "
                "fetch full history (`git fetch --unshallow`, or actions/checkout with fetch-depth: 0)"
            )
        raise SsopsError(f"{base[:12]} and {head[:12]} share no history; check --base and --head")

    def diff(self, old: str, new: str) -> list[PathChange]:
        return [
            PathChange(status=d.change_type, a_path=d.a_path, b_path=d.b_path)
            for d in self._commit(old).diff(self._commit(new), M=True)
        ]

    def uncommitted(self, prefixes: list[str]) -> list[str]:
        """Paths under `prefixes` whose working copy differs from HEAD (untracked files included)."""
        out = self.git.git.status("--porcelain", "--untracked-files=all", "--", *prefixes)
        return sorted(line[3:] for line in out.splitlines() if len(line) > 3)

    def parents(self, sha: str) -> list[str]:
        return [p.hexsha for p in self._commit(sha).parents]

    def message(self, sha: str) -> str:
        return str(self._commit(sha).message)

    def remotes(self) -> list[str]:
        return [r.name for r in self.git.remotes]

    def name(self) -> str:
        """OWNER/NAME from the origin's URL when it has one, else the folder's name."""
        url = self.git.remotes.origin.url if "origin" in self.remotes() else ""
        tail = url.rstrip("/").removesuffix(".git").replace(":", "/").split("/")[-2:]
        return "/".join(tail) if url and len(tail) == 2 else self.root.name

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self.git.git.merge_base("--is-ancestor", ancestor, descendant)
        except git.GitCommandError:
            return False
        return True

    def branch_tip(self, branch: str) -> str | None:
        """The branch as this checkout knows it: the remote's copy first (a CI checkout has no local branch)."""
        for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
            try:
                return self._commit(ref).hexsha
            except (ValueError, git.BadName, SsopsError):
                continue
        return None

    def on_first_parent(self, branch: str, sha: str) -> bool:
        tip = self.branch_tip(branch)
        return bool(tip) and sha in self.git.git.rev_list("--first-parent", tip).split()

    def has_commit(self, sha: str) -> bool:
        try:
            self.git.commit(sha)
        except (ValueError, git.BadName):
            return False
        return True
