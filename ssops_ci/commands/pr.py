"""`ssops-ci pr ...`: the pull-request loop from the command line (local forge or GitHub)."""

from __future__ import annotations

import os
from pathlib import Path

import click
import git

from ssops_ci.adapters import audit
from ssops_ci.adapters.git import open_repo
from ssops_ci.adapters.github import GitHubForge, event_context
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app.pull_request import Loop, Outcome
from ssops_ci.model.forge import Forge, ForgeError
from ssops_ci.model.problems import SsopsError


def make_forge(kind: str | None, repo: git.Repo, github_repo: str | None, api_url: str | None) -> Forge:
    kind = kind or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "local")
    if kind == "local":
        return LocalForge(repo)
    slug = github_repo or event_context()[0]
    if not slug:
        raise SsopsError("which repository? pass --github-repo OWNER/NAME (or run inside GitHub Actions)")
    try:
        return GitHubForge(slug, base_url=api_url)
    except ForgeError as e:
        raise SsopsError(str(e)) from None


def pr_number(number: int | None) -> int:
    if number is not None:
        return number
    found = event_context()[1]
    if found is None:
        raise SsopsError("which pull request? pass its number (or run from a pull_request event)")
    return found


def report_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def _local(repo_dir: Path) -> tuple[git.Repo, LocalForge]:
    repo = open_repo(repo_dir)
    return repo, LocalForge(repo)


def open_pr(repo_dir: Path, branch: str, base: str, author: str, title: str) -> int:
    _, forge = _local(repo_dir)
    try:
        pr = forge.open(branch, base, author, title)
    except ForgeError as e:
        raise SsopsError(str(e)) from None
    audit.for_repo(forge.repo).emit("open", pr=pr.number, sha=pr.head_sha, actor=author, title=pr.title)
    click.echo(f"opened #{pr.number}: {pr.head_ref} -> {pr.base_ref} by {pr.author} (head {pr.head_sha[:12]})")
    return 0


def approve(repo_dir: Path, number: int, user: str, request_changes: bool) -> int:
    _, forge = _local(repo_dir)
    try:
        review = forge.approve(number, user, "CHANGES_REQUESTED" if request_changes else "APPROVED")
    except ForgeError as e:
        raise SsopsError(str(e)) from None
    verb = "requested changes on" if request_changes else "approved"
    click.echo(f"{user} {verb} #{number} at {str(review.commit_id)[:12]}; run `ssops-ci pr review {number}`")
    return 0


def list_prs(repo_dir: Path) -> int:
    _, forge = _local(repo_dir)
    prs = forge.all_prs()
    if not prs:
        click.echo("no pull requests yet; open one with `ssops-ci pr open BRANCH --as USER`")
    for pr in prs:
        labels = ", ".join(forge.record(pr.number)["labels"])
        states = forge.statuses(pr.head_sha)
        click.echo(
            f"#{pr.number} {pr.state:<7} {pr.head_ref} -> {pr.base_ref} by {pr.author} "
            f"[{labels}] {states.get('ssops-ci/risk', 'not evaluated')}"
        )
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


def run_loop(
    action: str,
    repo_dir: Path,
    number: int | None,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    repo = open_repo(repo_dir)
    forge = make_forge(forge_kind, repo, github_repo, api_url)
    loop = Loop(repo, forge, audit=audit.for_repo(repo), report_url=report_url())
    try:
        outcome = loop.evaluate(pr_number(number)) if action == "evaluate" else loop.review(pr_number(number))
    except ForgeError as e:
        raise SsopsError(str(e)) from None
    click.echo(describe(outcome))
    return 1 if outcome.state in ("failure", "error") else 0
