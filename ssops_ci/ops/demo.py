"""`ssops-ci demo`: the whole flow, offline, on a throwaway local repository.

Three pull requests on the local forge: a dev queue (low risk, merges by itself), a
prod database (medium, waits for the owning team, then merges), and a public
bucket (blocked).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click
import git

from ssops_ci.adapters.clock import SystemClock
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.local_forge import LocalForge
from ssops_ci.adapters.worktree import WorkTree, write_rendered
from ssops_ci.app.apply import describe as describe_apply
from ssops_ci.app.pull_request import Outcome
from ssops_ci.app.report import report
from ssops_ci.app.workspace import open_workspace, render_requests
from ssops_ci.config import objectives
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import metrics_html, wiring
from ssops_ci.stages import ledger

REQUESTS = {
    "dev-queue": (
        "alice",
        "requests/payments/jobs.yaml",
        """apiVersion: ssops/v1
kind: Queue
metadata:
  name: jobs
  team: payments
  environment: dev
  costCenter: CC-1042
  description: Background jobs for the checkout service
spec:
  visibilityTimeoutSeconds: 60
""",
    ),
    "ledger-db": (
        "bob",
        "requests/payments/ledger-db.yaml",
        """apiVersion: ssops/v1
kind: PostgresDatabase
metadata:
  name: ledger-db
  team: payments
  environment: prod
  costCenter: CC-1042
  description: Double-entry ledger
spec:
  size: small
  storageGb: 100
""",
    ),
    "public-assets": (
        "carol",
        "requests/search/assets.yaml",
        """apiVersion: ssops/v1
kind: ObjectBucket
metadata:
  name: assets
  team: search
  environment: prod
  costCenter: CC-2077
  description: Images for the search results page
spec:
  publicRead: true
""",
    ),
}


def project_root(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / "templates").is_dir() and (candidate / "policies").is_dir():
            return candidate
    raise SsopsError("run the demo from an ssops checkout (a folder with templates/ and policies/)")


def _commit(repo: git.Repo, message: str, who: str) -> None:
    repo.git.add(A=True)
    actor = git.Actor(who, f"{who}@example.com")
    repo.index.commit(message, author=actor, committer=actor)


def _render(root: Path) -> None:
    tree = WorkTree(root)
    result = render_requests(tree, open_workspace(tree, str(root)))
    if result.problems:
        raise SsopsError("the demo requests did not render:\n" + "\n".join(map(str, result.problems)))
    write_rendered(tree.root, result.files, result.mismatches)


def _summary(body: str) -> str:
    """The parts of the comment a reader sees first: headline, table, next step."""
    lines = body.splitlines()
    head = [ln for ln in lines[1:2] if ln.strip()]  # the headline; the next step follows below
    table: list[str] = []
    start = next((i for i, ln in enumerate(lines) if ln.startswith("| Stack |")), None)
    if start is not None:
        table.append(lines[start])
        for ln in lines[start + 2 :]:
            if not ln.startswith("|"):
                break
            table.append(ln)
    section = body.split("### Next step", 1)[1] if "### Next step" in body else ""
    step = section.split("<!-- ssops-ci:end-of-next-step -->", 1)[0].strip().replace("**", "")
    return "\n".join([*head, "", *table, "", "Next step: " + step])


def build(target: Path, source: Path) -> git.Repo:
    for d in ("templates", "policies", "requests"):
        shutil.copytree(source / d, target / d)
    (target / ".gitignore").write_text(".ssops/\n")
    _render(target)
    repo = git.Repo.init(target, initial_branch="main")
    _commit(repo, "ssops catalog, policies and the current requests", "pat-platform")
    return repo


def run(directory: Path | None, echo: Callable[..., None] = click.echo, store: str | None = None) -> int:
    started = time.perf_counter()
    source = project_root(Path.cwd())
    root = directory or Path(tempfile.mkdtemp(prefix="ssops-demo-"))
    if root.exists() and any(root.iterdir()):
        raise SsopsError(f"{root} is not empty; pick an empty --dir")
    root.mkdir(parents=True, exist_ok=True)
    repo = build(root, source)
    repository = GitRepository(repo)
    forge = LocalForge(repo)
    kept = wiring.records(repository, url=store or "git", actor="ssops-ci")
    log = kept.trail
    loop = wiring.pull_requests(repository, forge, trail=log)
    applier = wiring.applier(repository, forge=forge, kept=kept)
    comments = root / ".ssops" / "comments"
    comments.mkdir(parents=True, exist_ok=True)
    echo(f"demo repository: {root}\n")

    def open_pr(branch: str) -> int:
        author, path, text = REQUESTS[branch]
        repo.git.checkout("-q", "-b", branch, "main")
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
        _render(root)
        _commit(repo, f"{path}: new request", author)
        repo.git.checkout("-q", "main")
        pr = forge.open(branch, "main", author, f"{author}: {path}")
        log.emit("open", pr=pr.number, sha=pr.head_sha, actor=author, title=pr.title)
        return pr.number

    def show(title: str, outcome: Outcome) -> None:
        body = forge.comments(outcome.pr.number)[0]
        (comments / f"pr-{outcome.pr.number}.md").write_text(body)
        echo(click.style(f"== PR #{outcome.pr.number}: {title}", bold=True))
        echo(_summary(body))
        merged = outcome.merge.merged if outcome.merge else False
        echo(f"status ssops-ci/risk: {outcome.state} ({outcome.description}); merged: {'yes' if merged else 'no'}")
        echo(f"full comment: {comments / f'pr-{outcome.pr.number}.md'}")
        if merged and outcome.merge and outcome.merge.sha:
            echo(describe_apply(applier.run(outcome.merge.sha)))
        echo("")

    n1 = open_pr("dev-queue")
    show("alice asks for a dev queue", loop.evaluate(n1))

    n2 = open_pr("ledger-db")
    show("bob asks for a prod database", loop.evaluate(n2))
    forge.approve(n2, "alice")
    echo("alice (payments) approves #2 at its current head")
    show("after alice's approval", loop.review(n2))

    n3 = open_pr("public-assets")
    show("carol asks for a public bucket", loop.evaluate(n3))

    echo(click.style("== the repository now", bold=True))
    echo(repo.git.log("--oneline", "--graph", "main"))
    for pr in forge.all_prs():
        labels = ", ".join(forge.record(pr.number)["labels"])
        risk_status = forge.statuses(pr.head_sha).get("ssops-ci/risk")
        echo(f"#{pr.number} {pr.state:<6} {pr.head_ref:<14} [{labels}] ssops-ci/risk={risk_status}")
    stacks = sorted({p.parent.relative_to(root / "rendered").as_posix() for p in (root / "rendered").rglob("*.tf")})
    echo(f"rendered stacks on main: {', '.join(stacks)}")
    echo(f"applied on main (static engine's record): {', '.join(sorted(kept.store.all(ledger.STATIC)))}")
    html = root / ".ssops" / "report.html"
    figures, problems = report(log, None, objectives.load(repository.tree(repository.resolve("HEAD"))), SystemClock())
    html.write_text(metrics_html.html(figures, kept.store.location, problems), encoding="utf-8")
    echo(click.style("\n== self-service report (ssops-ci report)", bold=True))
    echo(metrics_html.text(figures, []), nl=False)
    echo(f"HTML report: {html}\nrecords: {kept.store.location}")
    echo(f"\nfinished in {time.perf_counter() - started:.1f}s; the repository stays at {root}")
    return 0
