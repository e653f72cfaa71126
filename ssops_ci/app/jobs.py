"""The pull request's evaluation split across two jobs, as GitHub needs it.

The unprivileged job (no secrets, a read-only token) evaluates the PR's content and leaves the report
as an artifact; the privileged job, started by `workflow_run` from the default branch's workflow file,
reads that artifact as untrusted input and lets the gate judge it. Whenever something moves (a
required check finishes, the base branch gets a push), the PR is evaluated again by dispatching the
evaluation workflow, so every decision rests on a fresh evaluation of the current head and base.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from ssops_ci.app.gate import Gate, Outcome
from ssops_ci.app.pull_request import Evaluator, assess
from ssops_ci.app.scope import scope
from ssops_ci.config.platform import FAN_OUT_ABOVE
from ssops_ci.model.forge import EVALUATE_WORKFLOW, RISK_CONTEXT, PullRequest
from ssops_ci.model.layout import stack_id_of_request, stack_of_rendered
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.report import Evaluated, Report
from ssops_ci.ports import Forge, Repository
from ssops_ci.stages import affected
from ssops_ci.stages.report import merge

REPORT_FILE, META_FILE = "report.json", "meta.json"


def plan_job(
    forge: Forge, repository: Repository, evaluator: Evaluator, number: int, only: list[str] | None = None
) -> dict[str, str]:
    """The unprivileged job: the files of the artifact it uploads (of the stacks in `only`, in a matrix job)."""
    pr, evaluation = assess(forge, repository, evaluator, number, only)
    report = evaluation.report
    meta = Evaluated(pr=pr.number, head=report.head, base=report.base, base_ref=pr.base_ref)
    return {REPORT_FILE: report.to_json(), META_FILE: meta.model_dump_json(indent=2) + "\n"}


def matrix_job(forge: Forge, repository: Repository, number: int) -> tuple[bool, dict[str, object]]:
    """Whether to fan the evaluation out (a real Terraform plans, or many stacks) and the matrix to use."""
    pr = forge.get_pr(number)
    found = scope(repository, forge.base_tip(pr.base_ref), pr.head_sha)
    setup = found.base.setup
    above = setup.platform.fan_out_above if setup else FAN_OUT_ABOVE
    fanout = len(found.affected.touched) > above or bool(setup and setup.platform.engine == "terraform")
    return fanout, affected.matrix(found.affected)


def join_job(parts: list[dict[str, bytes]]) -> dict[str, str]:
    """The matrix jobs' artifacts as one: the same PR, head and base, every stack once."""
    read = [read_artifact(p) for p in parts]
    if not read:
        raise SsopsError("no parts to join; did the matrix jobs upload their artifacts?")
    metas = {m.model_dump_json() for m, _ in read}
    if len(metas) != 1:
        raise SsopsError("the parts evaluated different pull requests or commits; join the parts of one run only")
    report = merge([r for _, r in read])
    return {REPORT_FILE: report.to_json(), META_FILE: read[0][0].model_dump_json(indent=2) + "\n"}


def read_artifact(files: dict[str, bytes]) -> tuple[Evaluated, Report]:
    """The artifact's claims, validated against their schemas (it is untrusted input)."""
    missing = [n for n in (META_FILE, REPORT_FILE) if n not in files]
    if missing:
        raise SsopsError(f"the evaluation's artifact lacks {', '.join(missing)}")
    try:
        return Evaluated.model_validate_json(files[META_FILE]), Report.model_validate_json(files[REPORT_FILE])
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise SsopsError(f"the evaluation's artifact is not a valid ssops-ci report: {where}: {first['msg']}") from None


@dataclass
class GateRun:
    outcome: Outcome | None
    note: str


def _reevaluate(forge: Forge, pr: PullRequest, why: str) -> None:
    forge.dispatch(EVALUATE_WORKFLOW, pr.base_ref, {"pr": str(pr.number)})
    forge.set_gate(pr.head_sha, RISK_CONTEXT, "pending", f"evaluating again: {why}", why, None)


def gate_job(gate: Gate, forge: Forge, files: dict[str, bytes], event: str, run_head: str | None = None) -> GateRun:
    """The privileged job: judge the artifact's report, or have the PR evaluated again when it is stale."""
    meta, report = read_artifact(files)
    pr = forge.get_pr(meta.pr)
    if (run_head is not None and run_head != pr.head_sha) or report.head != pr.head_sha:
        return GateRun(None, f"#{pr.number} moved on from {report.head[:12]}; its new head is evaluated on its own")
    outcome = gate.decide(pr.number, report, event)
    if outcome.stale:
        branch = "base branch" if outcome.stale == "base" else "head"
        why = f"the {branch} moved since the evaluation (base {report.base[:12]}, head {report.head[:12]})"
    else:
        why = outcome.merge.message if outcome.merge and outcome.merge.head_moved else ""
    if why:
        _reevaluate(forge, pr, why)
        return GateRun(outcome, f"#{pr.number}: {why}; dispatched {EVALUATE_WORKFLOW} to evaluate it again")
    return GateRun(outcome, f"#{pr.number}: {outcome.state} ({outcome.description})")


def evaluation_failed(forge: Forge, prs: list[PullRequest], run_url: str | None) -> None:
    """A failed evaluation never leaves a green gate behind: the head's check says it failed."""
    for pr in prs:
        forge.set_gate(
            pr.head_sha, RISK_CONTEXT, "failure", "the evaluation failed", f"see {run_url or 'the run'}", run_url
        )


def prs_with_head(forge: Forge, base: str, head: str) -> list[PullRequest]:
    return [p for p in forge.open_prs(base) if p.head_sha == head]


def prs_of_run(forge: Forge, base: str, head: str | None, number: int | None) -> list[PullRequest]:
    """The open PRs an evaluation run was about: by head for pull request events, else by number."""
    return [p for p in forge.open_prs(base) if p.head_sha == head or p.number == number]


def refresh_head(forge: Forge, base: str, head: str) -> list[int]:
    """A check finished on `head`: the open PRs at that head are evaluated again (their gate reads it)."""
    numbers = [p.number for p in prs_with_head(forge, base, head)]
    for n in numbers:
        forge.dispatch(EVALUATE_WORKFLOW, base, {"pr": str(n)})
    return numbers


def _teams_of(paths: list[str]) -> set[str]:
    return {sid.partition("/")[0] for p in paths if (sid := stack_id_of_request(p) or stack_of_rendered(p))}


def refresh_after_push(forge: Forge, repository: Repository, base: str, before: str, after: str) -> list[int]:
    """Open PRs a push to `base` can change the outcome of: all of them when rules or templates moved, else
    those of the teams whose stacks it changed (quotas and budgets are per team). Each is evaluated again.

    The gate re-checks the base before every merge anyway; this keeps the comments current."""
    found = affected.detect(repository.diff(before, after), before, after, before)
    teams = {sid.partition("/")[0] for sid in found.touched}
    chosen = []
    for pr in forge.open_prs(base):
        changed = forge.changed_paths(pr.number)
        if found.governance_paths or changed is None or _teams_of(changed) & teams:
            forge.dispatch(EVALUATE_WORKFLOW, base, {"pr": str(pr.number)})
            chosen.append(pr.number)
    return chosen
