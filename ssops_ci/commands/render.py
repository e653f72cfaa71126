from __future__ import annotations

from pathlib import Path

import click
import git

from ssops_ci.adapters.cache import DiskCache
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.worktree import write_rendered
from ssops_ci.app.scope import rendered_changes
from ssops_ci.app.workspace import render_requests
from ssops_ci.commands.base import ProgressBar, guarded, repo_option, workspace
from ssops_ci.model.layout import POLICIES, RENDERED, REQUESTS, TEMPLATES
from ssops_ci.model.problems import SsopsError


@click.command()
@repo_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every out-of-date file.")
@click.option(
    "--base",
    metavar="REF",
    help="With --check: check only the stacks the commits since REF reach (a pull request's check).",
)
@click.option("--no-cache", is_flag=True, help="Render every request again instead of reusing .ssops/cache.")
@guarded
def render(repo: Path, check: bool, base: str | None, no_cache: bool) -> int:
    """Render every request to rendered/<team>/<name>/."""
    if base is not None:
        if not check:
            raise SsopsError("--base only goes with --check: `render` itself always renders every request")
        return _check_since(repo, base)
    tree, s = workspace(repo)
    cache = None if no_cache else DiskCache(tree.root / ".ssops" / "cache")
    result = render_requests(tree, s, cache, ProgressBar("rendering requests"))
    if result.problems:
        for p in sorted(result.problems):
            click.echo(str(p), err=True)
        click.echo("nothing written: fix the problems above and run `ssops-ci render` again", err=True)
        return 1
    if check:
        stale = [str(m) for m in result.mismatches]
        return _report(result.count, stale, "request(s)", f"{len(stale)} file(s) under rendered/ are out of date")
    write_rendered(tree.root, result.files, result.mismatches)
    for m in result.mismatches:
        verb = "removed" if m.state in ("unexpected", "orphaned") else "wrote"
        click.echo(f"{verb} {m.path}")
    click.echo(f"rendered {result.count} stack(s), {len(result.mismatches)} file(s) changed")
    return 0


def _check_since(root: Path, base: str) -> int:
    try:
        repo = GitRepository(git.Repo(root, search_parent_directories=False))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise SsopsError(f"{root} is not a git checkout; `render --check --base` compares commits") from None
    if edited := repo.uncommitted([REQUESTS, TEMPLATES, POLICIES, RENDERED]):
        raise SsopsError(
            f"{len(edited)} file(s) have uncommitted changes (first: {edited[0]}); --base checks commits: "
            "commit them, or run `ssops-ci render --check` without --base"
        )
    checked, problems = rendered_changes(repo, base, "HEAD")
    return _report(checked, problems, f"stack(s) changed since {base}", f"{len(problems)} problem(s)")


def _report(checked: int, problems: list[str], what: str, summary: str) -> int:
    for line in problems:
        click.echo(line, err=True)
    if problems:
        click.echo(f"{summary}: run `ssops-ci render`", err=True)
        return 1
    click.echo(f"ok: rendered/ matches {checked} {what}")
    return 0
