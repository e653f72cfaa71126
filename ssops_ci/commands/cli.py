"""The `ssops-ci` command line: options and exit codes only; the work is in ssops_ci.commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ssops_ci import __version__
from ssops_ci.model.problems import InputError, SsopsError

F = TypeVar("F", bound=Callable[..., Any])


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
            # A path the user gave that can't be read or written is their input, not our bug.
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"error: {where}{e.strerror or e}; check the path and its permissions", err=True)
            sys.exit(1)
        except Exception as e:
            if os.environ.get("SSOPS_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(e).__name__}: {e}\n"
                "this is a bug in ssops-ci; rerun with SSOPS_DEBUG=1 for a traceback and report it",
                err=True,
            )
            sys.exit(3)
        sys.exit(code or 0)

    return wrapper  # type: ignore[return-value]


repo_option = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The ssops repository (a git checkout).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ssops-ci")
def cli() -> None:
    """Guarded self-service infrastructure through pull requests."""


@cli.command()
@repo_option
@click.argument("paths", nargs=-1)
@guarded
def validate(repo: Path, paths: tuple[str, ...]) -> int:
    """Validate requests (default: every file under requests/)."""
    from ssops_ci.commands import validate as cmd

    return cmd.run(repo, paths)


@cli.command()
@repo_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every out-of-date file.")
@guarded
def render(repo: Path, check: bool) -> int:
    """Render every request to rendered/<team>/<name>/."""
    from ssops_ci.commands import render as cmd

    return cmd.run(repo, check)


@cli.command()
@repo_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def catalog(repo: Path, as_json: bool) -> int:
    """List the kinds that can be requested and their parameters."""
    from ssops_ci.commands import catalog as cmd

    return cmd.run(repo, as_json)


@cli.command()
@repo_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@guarded
def schema(repo: Path, out: Path) -> int:
    """Write a JSON Schema per kind (for yaml-language-server autocompletion)."""
    from ssops_ci.commands import schema as cmd

    return cmd.run(repo, out)


@cli.command()
@repo_option
@click.argument("kind")
@click.option("--team", required=True)
@click.option("--name", required=True)
@click.option("--env", type=click.Choice(["dev", "staging", "prod"]), required=True)
@click.option("--cost-center", default=None, help="Default: the team's cost center in policies/teams.yaml.")
@guarded
def new(repo: Path, kind: str, team: str, name: str, env: str, cost_center: str | None) -> int:
    """Write a valid starter request for KIND."""
    from ssops_ci.commands import new as cmd

    return cmd.run(repo, kind, team, name, env, cost_center)


@cli.command()
@repo_option
@click.option("--base", required=True, help="The branch the change goes into (ref or SHA).")
@click.option("--head", default="HEAD", show_default=True, help="The change (ref or SHA).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--stack", "stacks", multiple=True, help="Plan only this stack (repeatable), e.g. in a matrix job.")
@click.option("--matrix", "as_matrix", is_flag=True, help="Print the affected stacks as a GitHub Actions matrix.")
@click.option("--comment", "comment_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the PR comment.")
@guarded
def plan(
    repo: Path,
    base: str,
    head: str,
    json_out: Path | None,
    engine: str | None,
    stacks: tuple[str, ...],
    as_matrix: bool,
    comment_out: Path | None,
) -> int:
    """Plan, check, price and risk-tier BASE..HEAD; print a summary, write the report and comment."""
    from ssops_ci.commands import plan as cmd

    return cmd.run(repo, base, head, json_out, engine, stacks, as_matrix, comment_out)


@cli.command()
@repo_option
@click.option("--base", required=True, help="The branch the change goes into (ref or SHA).")
@click.option("--head", default="HEAD", show_default=True)
@click.option("--sarif", "sarif_out", type=click.Path(dir_okay=False, path_type=Path), help="Write SARIF 2.1.0.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@guarded
def check(repo: Path, base: str, head: str, sarif_out: Path | None, json_out: Path | None) -> int:
    """Guardrails and security checks for BASE..HEAD (rules from BASE); exit 1 on a blocking finding."""
    from ssops_ci.commands import check as cmd

    return cmd.run(repo, base, head, sarif_out, json_out)


@cli.command()
@repo_option
@click.argument("paths", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def cost(repo: Path, paths: tuple[str, ...], as_json: bool) -> int:
    """Monthly cost of the current requests (default: all), per resource, stack and team."""
    from ssops_ci.commands import cost as cmd

    return cmd.run(repo, paths, as_json)


@cli.command("merge-reports")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@guarded
def merge_reports(files: tuple[Path, ...], json_out: Path) -> int:
    """Combine the per-group reports of a matrix fan-out into one."""
    from ssops_ci.commands import plan as cmd

    return cmd.merge(files, json_out)


@cli.group()
def pr() -> None:
    """The pull-request loop: open, evaluate, approve, review and merge (local forge or GitHub)."""


forge_options = [
    click.option(
        "--forge",
        "forge_kind",
        type=click.Choice(["local", "github"]),
        help="Default: github inside GitHub Actions, else the local forge in .git/ssops/.",
    ),
    click.option("--github-repo", help="OWNER/NAME (default: from the Actions event)."),
    click.option("--api-url", help="GitHub API base URL, for GitHub Enterprise (default: $GITHUB_API_URL)."),
]


def with_forge_options(f: F) -> F:
    for option in reversed(forge_options):
        f = option(f)
    return f


@pr.command("open")
@repo_option
@click.argument("branch")
@click.option("--base", default="main", show_default=True)
@click.option("--as", "author", required=True, help="Who opens it (their login).")
@click.option("--title", default="")
@guarded
def pr_open(repo: Path, branch: str, base: str, author: str, title: str) -> int:
    """Open a pull request from BRANCH on the local forge."""
    from ssops_ci.commands import pr as cmd

    return cmd.open_pr(repo, branch, base, author, title)


@pr.command("approve")
@repo_option
@click.argument("number", type=int)
@click.option("--as", "user", required=True, help="The reviewer's login.")
@click.option("--request-changes", is_flag=True, help="Request changes instead of approving.")
@guarded
def pr_approve(repo: Path, number: int, user: str, request_changes: bool) -> int:
    """Review pull request NUMBER on the local forge (at its current head)."""
    from ssops_ci.commands import pr as cmd

    return cmd.approve(repo, number, user, request_changes)


@pr.command("list")
@repo_option
@guarded
def pr_list(repo: Path) -> int:
    """List the local forge's pull requests."""
    from ssops_ci.commands import pr as cmd

    return cmd.list_prs(repo)


@pr.command("evaluate")
@repo_option
@click.argument("number", type=int, required=False)
@with_forge_options
@guarded
def pr_evaluate(
    repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    """Evaluate a PR: comment, status, labels, reviewers; merge it at the evaluated SHA when low risk."""
    from ssops_ci.commands import pr as cmd

    return cmd.run_loop("evaluate", repo, number, forge_kind, github_repo, api_url)


@pr.command("review")
@repo_option
@click.argument("number", type=int, required=False)
@with_forge_options
@guarded
def pr_review(
    repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    """Count approvals of the current head; merge when the tier's reviewers have approved."""
    from ssops_ci.commands import pr as cmd

    return cmd.run_loop("review", repo, number, forge_kind, github_repo, api_url)


@cli.command()
@repo_option
@click.option("--github-repo", help="OWNER/NAME (default: from the Actions environment).")
@click.option("--api-url", help="GitHub API base URL, for GitHub Enterprise.")
@click.option("--offline", is_flag=True, help="Only the checks that need no API (CODEOWNERS, workflows).")
@guarded
def doctor(repo: Path, github_repo: str | None, api_url: str | None, offline: bool) -> int:
    """Check the repository settings the gate relies on, and say how to fix what is missing."""
    from ssops_ci.commands import doctor as cmd

    return cmd.run(repo, github_repo, api_url, offline)


@cli.command()
@repo_option
@click.option("--since", help="Only pull requests opened on or after this date (YYYY-MM-DD).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report.")
@click.option("--json", "json_out", is_flag=True, help="Machine-readable output.")
@click.option("--log", type=click.Path(dir_okay=False, path_type=Path), help="Audit log (default .ssops/audit.jsonl).")
@guarded
def report(repo: Path, since: str | None, html_out: Path | None, json_out: bool, log: Path | None) -> int:
    """Lead times, share merged with no human, denials, cost per team, open PRs: from the audit trail."""
    from ssops_ci.commands import report as cmd

    return cmd.run(repo, since, html_out, json_out, log)


@cli.command("drift")
@repo_option
@click.option("--ref", default="HEAD", show_default=True, help="The default branch's commit to check.")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), help="Write the findings as Markdown.")
@guarded
def drift_cmd(repo: Path, ref: str, engine: str | None, markdown: Path | None) -> int:
    """Plan every applied stack; exit 2 when any no longer matches (for a scheduled workflow)."""
    from ssops_ci.commands import drift as cmd

    return cmd.run(repo, ref, engine, markdown)


@cli.command("apply")
@repo_option
@click.option("--sha", required=True, help="The commit on the default branch to apply (a merge).")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--parallel", type=click.IntRange(1, 64), help="Stacks at once (default: apply_parallelism).")
@click.option("--lock-timeout", default=600.0, show_default=True, help="Seconds to wait for a stack's lock.")
@with_forge_options
@guarded
def apply_cmd(
    repo: Path,
    sha: str,
    engine: str | None,
    parallel: int | None,
    lock_timeout: float,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """Apply the stacks a merged commit changed; report back on its pull request."""
    from ssops_ci.commands import apply as cmd

    return cmd.run(repo, sha, engine, forge_kind, github_repo, api_url, parallel, lock_timeout)


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to build the demo repository (default: a new temporary folder).",
)
@guarded
def demo(directory: Path | None) -> int:
    """Run the whole flow offline on a throwaway local repository (what `make demo` runs)."""
    from ssops_ci.ops import demo as cmd

    return cmd.run(directory)


def main() -> None:
    cli(prog_name="ssops-ci")
