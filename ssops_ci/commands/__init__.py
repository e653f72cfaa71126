"""One module per CLI command; cli.py only wires options to these functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ssops_ci.adapters.git import WorkTree
from ssops_ci.config import setup as gate
from ssops_ci.model.problems import SsopsError


def workspace(repo: Path) -> tuple[WorkTree, gate.Gate]:
    """The working tree and the gate loaded from it (local authoring commands)."""
    if not repo.is_dir():
        raise SsopsError(f"{repo} is not a directory; pass --repo pointing at your ssops checkout")
    tree = WorkTree(repo)
    if tree.read("policies/teams.yaml") is None and not any(tree.files("templates")):
        raise SsopsError(f"{tree.root} has no templates/ or policies/; run this from an ssops repository")
    return tree, gate.load(tree)


def repo_relative(repo: Path, paths: tuple[str, ...]) -> list[str]:
    root = repo.resolve()
    out = []
    for p in paths:
        full = (Path.cwd() / p).resolve() if not Path(p).is_absolute() else Path(p).resolve()
        try:
            out.append(full.relative_to(root).as_posix())
        except ValueError:
            raise SsopsError(f"{p} is outside the repository {root}") from None
    return out


def selected_files(tree: WorkTree, repo: Path, paths: tuple[str, ...]) -> list[str] | None:
    """The files the user named, directories expanded; None (meaning all) when they named none."""
    if not paths:
        return None
    return [f for p in repo_relative(repo, paths) for f in (list(tree.files(p)) or [p])]


class ProgressBar:
    """A progress bar on stderr (stdout may be JSON), shown only past a handful of stacks."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total <= 5:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="planning stacks", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)
        if done == total:
            self.bar.__exit__(None, None, None)
