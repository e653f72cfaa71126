"""`ssops-ci pr ...`: the pull-request loop from the command line (local forge or GitHub)."""

from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.adapters import audit
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app.pull_request import Outcome
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.forge import forge_options, make_forge, pr_number, report_url
from ssops_ci.model.forge import RISK_CONTEXT
from ssops_ci.ops import wiring


@click.group()
def pr() -> None:
    """The pull-request loop: open, evaluate, approve, review and merge (local forge or GitHub)."""


def _local(repo_dir: Path) -> LocalForge:
    return LocalForge(wiring.open_repository(repo_dir).git)


@pr.command("open")
@repo_option
@click.argument("branch")
@click.option("--base", default="main", show_default=True)
@click.option("--as", "author", required=True, help="Who opens it (their login).")
@click.option("--title", default="")
@guarded
def pr_open(repo: Path, branch: str, base: str, author: str, title: str) -> int:
    """Open a pull request from BRANCH on the local forge."""
    repository = wiring.open_repository(repo)
    opened = LocalForge(repository.git).open(branch, base, author, title)
    audit.for_root(repository.root).emit(
        "open", pr=opened.number, sha=opened.head_sha, actor=author, title=opened.title
    )
    click.echo(
        f"opened #{opened.number}: {opened.head_ref} -> {opened.base_ref} by {opened.author} "
        f"(head {opened.head_sha[:12]})"
    )
    return 0


@pr.command("approve")
@repo_option
@click.argument("number", type=int)
@click.option("--as", "user", required=True, help="The reviewer's login.")
@click.option("--request-changes", is_flag=True, help="Request changes instead of approving.")
@guarded
def pr_approve(repo: Path, number: int, user: str, request_changes: bool) -> int:
    """Review pull request NUMBER on the local forge (at its current head)."""
    review = _local(repo).approve(number, user, "CHANGES_REQUESTED" if request_changes else "APPROVED")
    verb = "requested changes on" if request_changes else "approved"
    click.echo(f"{user} {verb} #{number} at {str(review.commit_id)[:12]}; run `ssops-ci pr review {number}`")
    return 0


@pr.command("list")
@repo_option
@guarded
def pr_list(repo: Path) -> int:
    """List the local forge's pull requests."""
    forge = _local(repo)
    prs = forge.all_prs()
    if not prs:
        click.echo("no pull requests yet; open one with `ssops-ci pr open BRANCH --as USER`")
    for p in prs:
        labels = ", ".join(forge.record(p.number)["labels"])
        state = forge.statuses(p.head_sha).get(RISK_CONTEXT, "not evaluated")
        click.echo(f"#{p.number} {p.state:<7} {p.head_ref} -> {p.base_ref} by {p.author} [{labels}] {state}")
    return 0


def describe(outcome: Outcome) -> str:
    r = outcome.report
    lines = [
        f"#{outcome.pr.number} at {outcome.pr.head_sha[:12]}: {r.risk.tier if r.risk else '?'} risk",
        f"status ssops-ci/risk: {outcome.state} ({outcome.description})",
    ]
    if outcome.approvals:
        a = outcome.approvals
        lines.append(f"approvals: {a.approved or 'none'}; missing: {', '.join(a.missing) or 'none'}")
        lines.extend(f"  not counted: {why}" for why in a.ignored)
    if outcome.merge:
        m = outcome.merge
        lines.append(f"merge: {'merged ' + (m.sha or '')[:12] if m.merged else 'not merged'} ({m.message})")
    if outcome.reevaluated:
        lines.append(f"re-evaluated {outcome.reevaluated} time(s) because the head moved")
    return "\n".join(lines)


def _run(
    event: str, repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    loop = wiring.pull_requests(repository, forge, report_url=report_url())
    outcome = loop.evaluate(pr_number(number)) if event == "evaluate" else loop.review(pr_number(number))
    click.echo(describe(outcome))
    return 1 if outcome.state in ("failure", "error") else 0


@pr.command("evaluate")
@repo_option
@click.argument("number", type=int, required=False)
@forge_options
@guarded
def pr_evaluate(
    repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    """Evaluate a PR: comment, status, labels, reviewers; merge it at the evaluated SHA when low risk."""
    return _run("evaluate", repo, number, forge_kind, github_repo, api_url)


@pr.command("review")
@repo_option
@click.argument("number", type=int, required=False)
@forge_options
@guarded
def pr_review(
    repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    """Count approvals of the current head; merge when the tier's reviewers have approved."""
    return _run("review", repo, number, forge_kind, github_repo, api_url)
