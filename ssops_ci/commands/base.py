"""What every command shares: exit codes, the --repo option, the working tree and its setup."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.workspace import open_workspace
from ssops_ci.config.setup import Setup
from ssops_ci.model.problems import InputError, SsopsError

F = TypeVar("F", bound=Callable[..., Any])

repo_option = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The ssops repository (a git checkout).",
)


def _internal(e: Exception) -> None:
    if os.environ.get("SSOPS_DEBUG"):
        raise e
    click.echo(
        f"internal error: {type(e).__name__}: {e}\n"
        "this is a bug in ssops-ci; rerun with SSOPS_DEBUG=1 for a traceback and report it",
        err=True,
    )
    sys.exit(3)


def _os_error(e: OSError) -> None:
    # A path the user gave that can't be read or written is their input, not our bug.
    where = f"{e.filename}: " if e.filename else ""
    click.echo(f"error: {where}{e.strerror or e}; check the path and its permissions", err=True)
    sys.exit(1)


def guarded(fn: F) -> F:
    """Turn our errors into messages and exit codes; never show a traceback to a user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = fn(*args, **kwargs)
        except InputError as e:
            for p in e.problems:
                click.echo(str(p), err=True)
            sys.exit(1)
        except SsopsError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # The reader went away (`| head`); nothing left to say to it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except OSError as e:
            _os_error(e)
        except Exception as e:
            _internal(e)
        sys.exit(code or 0)

    return wrapper  # type: ignore[return-value]


def warn(message: str) -> None:
    click.echo(message, err=True)


def work_tree(repo: Path) -> WorkTree:
    if not repo.is_dir():
        raise SsopsError(f"{repo} is not a directory; pass --repo pointing at your ssops checkout")
    return WorkTree(repo)


def workspace(repo: Path) -> tuple[WorkTree, Setup]:
    """The working tree and its catalog, teams and platform (local authoring commands)."""
    tree = work_tree(repo)
    return tree, open_workspace(tree, str(tree.root))


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
    """rich's live progress on stderr (stdout may be JSON) past a handful of items, on a terminal only:
    a CI log gains nothing from a redrawn bar, and `--verbose` logs each step's time there."""

    def __init__(self, label: str = "planning stacks") -> None:
        self.label = label
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def _start(self, total: int) -> Progress:
        console = Console(stderr=True)
        columns = (SpinnerColumn(), TextColumn(self.label), BarColumn(), MofNCompleteColumn())
        progress = Progress(*columns, TimeElapsedColumn(), console=console, disable=not console.is_terminal)
        progress.start()
        self.task = progress.add_task(self.label, total=total)
        return progress

    def __call__(self, done: int, total: int) -> None:
        if total <= 5:
            return
        if self.progress is None:
            self.progress = self._start(total)
        assert self.task is not None
        self.progress.update(self.task, completed=done)
        if done == total:
            self.progress.stop()
