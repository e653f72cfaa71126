"""`ssops-ci pr ...`: the pull-request loop from the command line (local forge or GitHub)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.app import jobs
from ssops_ci.app.gate import Outcome
from ssops_ci.commands import event
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.forge import forge_options, make_forge, pr_number, report_url
from ssops_ci.commands.plan import publish_in_actions
from ssops_ci.commands.records import open_records
from ssops_ci.model.forge import REPORT_ARTIFACT, RISK_CONTEXT
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Report
from ssops_ci.ops import wiring
from ssops_ci.ports import Forge


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
    open_records(repository).trail.emit("open", pr=opened.number, sha=opened.head_sha, actor=author, title=opened.title)
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
        lines.append(f"re-evaluated {outcome.reevaluated} time(s): its head or its base moved meanwhile")
    return "\n".join(lines)


def _run(
    event: str, repo: Path, number: int | None, forge_kind: str | None, github_repo: str | None, api_url: str | None
) -> int:
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    loop = wiring.pull_requests(repository, forge, trail=open_records(repository).trail, report_url=report_url())
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


@pr.command("plan")
@repo_option
@click.argument("number", type=int, required=False)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Where to write the artifact.")
@click.option("--matrix", "as_matrix", is_flag=True, help="Print fanout= and matrix= lines for $GITHUB_OUTPUT.")
@click.option("--stacks", default="", help="Evaluate only these stacks (space-separated), in a matrix job.")
@forge_options
@guarded
def pr_plan(
    repo: Path,
    number: int | None,
    out: Path | None,
    as_matrix: bool,
    stacks: str,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """The unprivileged half: evaluate a PR against its base's current tip; write report.json and meta.json."""
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    if as_matrix:
        fanout, matrix = jobs.matrix_job(forge, repository, pr_number(number))
        click.echo(f"fanout={'true' if fanout else 'false'}\nmatrix={json.dumps(matrix)}")
        return 0
    if out is None:
        raise SsopsError("say where to write the artifact: --out DIR (or --matrix for the fan-out)")
    evaluator = wiring.evaluator(wiring.services(repository))
    files = jobs.plan_job(forge, repository, evaluator, pr_number(number), stacks.split() or None)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    click.echo(f"wrote {', '.join(sorted(files))} to {out}")
    if jobs.REPORT_FILE in files:
        publish_in_actions(Report.model_validate_json(files[jobs.REPORT_FILE]))
    return 0


@pr.command("join")
@click.argument("parts", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@guarded
def pr_join(parts: tuple[Path, ...], out: Path) -> int:
    """Join the artifacts of a fanned-out evaluation into one report for the gate."""
    files = jobs.join_job([_read_dir(p) for p in parts])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    click.echo(f"joined {len(parts)} part(s) into {out}")
    return 0


def _read_dir(directory: Path) -> dict[str, bytes]:
    return {n: (directory / n).read_bytes() for n in (jobs.REPORT_FILE, jobs.META_FILE) if (directory / n).is_file()}


def _artifact(forge: Forge, run_id: int | None, directory: Path | None) -> dict[str, bytes]:
    if directory is not None:
        return {
            n: (directory / n).read_bytes() for n in (jobs.REPORT_FILE, jobs.META_FILE) if (directory / n).is_file()
        }
    from ssops_ci.adapters.github import GitHubForge
    from ssops_ci.adapters.github.artifacts import fetch

    if not isinstance(forge, GitHubForge) or run_id is None:
        raise SsopsError("pass --artifact DIR (the local forge has no workflow runs) or --run-id on GitHub")
    return fetch(forge.conn, run_id, REPORT_ARTIFACT, {jobs.REPORT_FILE, jobs.META_FILE})


@pr.command("gate")
@repo_option
@click.option("--run-id", type=int, help="The evaluation's workflow run (default: the run that started this one).")
@click.option("--artifact", type=click.Path(file_okay=False, path_type=Path), help="Read the report from DIR.")
@click.option("--base", default="main", show_default=True, help="The branch pull requests go into.")
@forge_options
@guarded
def pr_gate(
    repo: Path,
    run_id: int | None,
    artifact: Path | None,
    base: str,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """The privileged half: judge an evaluation's report, publish the verdict, merge when allowed."""
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    run = event.workflow_run()
    run_id = run_id or (int(run["id"]) if run.get("id") else None)
    if run and run.get("conclusion") not in (None, "success"):
        prs = jobs.prs_of_run(forge, base, event.evaluated_head(run), event.evaluated_pr(run))
        jobs.evaluation_failed(forge, prs, event.run_url(run_id))
        click.echo(f"the evaluation run {run_id} {run.get('conclusion')}: marked {len(prs)} PR head(s) failed")
        return 1
    trail = open_records(repository).trail
    gate = wiring.gate(repository, forge, trail=trail, report_url=event.run_url(run_id) or report_url())
    result = jobs.gate_job(
        gate,
        forge,
        _artifact(forge, run_id, artifact),
        event.audit_event(run.get("event")),
        run_head=event.evaluated_head(run),
    )
    click.echo(describe(result.outcome) if result.outcome and not result.outcome.stale else result.note)
    return 1 if result.outcome and result.outcome.state in ("failure", "error") else 0


@pr.command("refresh")
@repo_option
@click.option("--base", default="main", show_default=True, help="The branch pull requests go into.")
@click.option("--head", help="Evaluate again the open PRs whose head is this commit (a check on it finished).")
@click.option("--before", help="With --after: a push moved the base from BEFORE to AFTER.")
@click.option("--after", help="With --before: a push moved the base from BEFORE to AFTER.")
@forge_options
@guarded
def pr_refresh(
    repo: Path,
    base: str,
    head: str | None,
    before: str | None,
    after: str | None,
    forge_kind: str | None,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """Have open pull requests evaluated again after something they depend on moved."""
    repository = wiring.open_repository(repo)
    forge = make_forge(forge_kind, repository, github_repo, api_url)
    if head:
        numbers = jobs.refresh_head(forge, base, head)
    elif before and after:
        numbers = jobs.refresh_after_push(forge, repository, base, before, after)
    else:
        raise SsopsError("say what moved: --head SHA, or --before SHA --after SHA")
    click.echo(f"evaluating again: {', '.join(f'#{n}' for n in numbers) or 'nothing'}")
    return 0
