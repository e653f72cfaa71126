"""End to end on a simulated GitHub: the repository's real workflow files, started by GitHub's rules,
running ssops-ci for real against the API double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import git
import pytest
import requests

from ssops_ci.adapters.stores.git import GitStore
from tests.conftest import request_yaml
from tests.github_double.actions import Actions, Run, Settings
from tests.github_double.fixture import APP_ID, World
from tests.github_double.state import ACTIONS_APP_ID

pytestmark = pytest.mark.slow
QUEUE = {"requests/payments/jobs.yaml": request_yaml(name="jobs")}
PUBLIC = {"requests/payments/site.yaml": request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")}


def github(world: World, tmp_path: Path, *, app: bool) -> Actions:
    """Actions on the double, with the gate's identity: the ssops-ci App, or only GITHUB_TOKEN."""
    settings = Settings(extra_env={"SSOPS_GITHUB_PACING": "off"})
    settings.environments = {"ssops-gate": {}, "production": {}}
    if app:
        world.install_app()
        settings.vars["SSOPS_APP_ID"] = str(APP_ID)
        settings.environments["ssops-gate"]["SSOPS_APP_PRIVATE_KEY"] = world.app_private_key
    world.double.protected = True
    world.double.required_checks = [("ssops-ci/risk", APP_ID if app else 15368)]
    return Actions(world.double, tmp_path / "runners", settings)


def runs_of(runs: list[Run], workflow: str) -> list[Run]:
    return [r for r in runs if r.run.workflow == workflow]


def explain(runs: list[Run]) -> Iterator[str]:
    for r in runs:
        yield f"{r.run.workflow} ({r.run.event}): {r.conclusion}"


@pytest.mark.parametrize("app", [True, False], ids=["github-app", "github-token"])
def test_a_low_risk_pr_merged_by_the_bot_is_applied_exactly_once(world: World, tmp_path: Path, app: bool) -> None:
    gh = github(world, tmp_path, app=app)
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    runs = gh.drain()
    assert world.double.prs[n].merged, "\n".join(explain(runs)) + "\n" + "\n".join(r.log() for r in runs[:3])
    merge_sha = world.double.prs[n].merge_sha
    applies = runs_of(runs, "apply.yml")
    assert len(applies) == 1, list(explain(runs))
    assert applies[0].conclusion == "success" and applies[0].run.head_sha == merge_sha, applies[0].log()
    assert "1 of 1 stack(s) applied" in applies[0].log()
    assert applies[0].run.event == ("push" if app else "workflow_dispatch")
    gate = world.double.latest_check(head, "ssops-ci/risk")
    assert gate and gate.conclusion == "success" and gate.app_id == (APP_ID if app else 15368)
    comments = {c["body"].splitlines()[0]: c for c in world.double.comments_on(n)}
    assert set(comments) == {"<!-- ssops-ci:comment -->", "<!-- ssops-ci:apply -->"}
    # The gate speaks as the App when it has one; the apply job, which holds cloud credentials and not the
    # App's key, reports with its own token.
    assert comments["<!-- ssops-ci:comment -->"]["user"] == ("ssops-ci[bot]" if app else "github-actions[bot]")
    assert comments["<!-- ssops-ci:apply -->"]["user"] == "github-actions[bot]"
    assert "## ✅ Applied" in comments["<!-- ssops-ci:apply -->"]["body"]
    # Every runner is gone; the records are in the repository, for whoever clones it next.
    fresh = git.Repo.init(tmp_path / "fresh")
    fresh.create_remote("origin", str(world.origin.git_dir))
    store = GitStore(Path(fresh.working_dir), remote="origin")
    assert store.get("ledger", "payments/jobs")["applied_sha"] == merge_sha  # type: ignore[index]
    events = [e["event"] for e in store.events().events]
    assert {"evaluate", "merge", "apply-start", "apply", "apply-done"} <= set(events), events
    assert events.count("apply-done") == 1
    # The PR's timeline shows it deployed: one deployment to the stack's environment, linking the run.
    [deployment] = world.double.deployments.values()
    assert (deployment.sha, deployment.environment) == (merge_sha, "dev")
    assert [s["state"] for s in deployment.statuses] == ["in_progress", "success"]
    assert deployment.statuses[-1]["log_url"].endswith(f"/actions/runs/{applies[0].run.id}")


CACHE = {"requests/payments/cache.yaml": request_yaml(kind="RedisCache", name="cache")}  # +$54.73 a month
CI_WORKFLOW = """name: ci
on:
  pull_request:
permissions: {}
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    steps:
      - run: echo tests pass
"""


def as_someone(world: World, token: str, method: str, path: str, body: dict[str, object]) -> requests.Response:
    return requests.request(
        method,
        f"{world.double.url}/repos/acme/ssops{path}",
        json=body,
        headers={"Authorization": f"token {token}", "Accept": "application/vnd.github+json"},
        timeout=5,
    )


def ssops_comment(world: World, n: int) -> str:
    [body] = [c["body"] for c in world.double.comments_on(n) if c["body"].startswith("<!-- ssops-ci:comment -->")]
    return str(body)


@pytest.mark.parametrize("app", [True, False], ids=["github-app", "github-token"])
def test_a_status_or_check_set_by_someone_else_does_not_open_the_gate(world: World, tmp_path: Path, app: bool) -> None:
    gh = github(world, tmp_path, app=app)
    head = world.branch_with("site", PUBLIC)
    n = world.double.open_pr("site", "mallory")
    mallory = world.double.person("mallory")
    gh.drain()
    assert world.double.gate_state(head)["state"] == "failure"  # type: ignore[index]

    # A commit status with the gate's name, set by a collaborator with write access: GitHub accepts it...
    forged = {"state": "success", "context": "ssops-ci/risk", "description": "low risk, merging"}
    assert as_someone(world, mallory, "POST", f"/statuses/{head}", forged).status_code == 201
    # ...and a check run of the same name from a workflow's GITHUB_TOKEN (any workflow on any branch).
    job = world.double.job_token({"checks": "write"})
    check = {"name": "ssops-ci/risk", "head_sha": head, "status": "completed", "conclusion": "success"}
    assert as_someone(world, job, "POST", "/check-runs", check).status_code == 201

    refused = as_someone(world, mallory, "PUT", f"/pulls/{n}/merge", {"sha": head})
    if app:
        # The ruleset requires ssops-ci/risk from the App: neither forgery counts.
        assert refused.status_code == 405, refused.text
        assert 'Required status check "ssops-ci/risk"' in refused.json()["message"]
        assert not world.double.prs[n].merged
    else:
        # With only GITHUB_TOKEN the gate's own check comes from GitHub Actions, so any workflow can forge it.
        # This is what `ssops-ci doctor` fails on.
        assert refused.status_code == 200
        assert world.double.prs[n].merged


def test_a_budget_cut_merged_after_the_pr_was_evaluated_changes_its_outcome(world: World, tmp_path: Path) -> None:
    gh = github(world, tmp_path, app=True)
    gh.hold("gate.yml", "refresh.yml")  # busy runners: the gate starts after the budget cut lands
    head = world.branch_with("cache", CACHE)
    n = world.double.open_pr("cache", "alice")
    [evaluation] = gh.drain()
    assert evaluation.run.workflow == "evaluate.yml" and evaluation.conclusion == "success", evaluation.log()
    first_base = world.main_sha()

    world.dev.edit("policies/teams.yaml", "monthly_budget_usd: 3000", "monthly_budget_usd: 120")
    world.dev.commit("payments: cut the budget to $120 a month", render=False)
    world.push("main", who="pat")
    gh.drain()  # the push starts apply (nothing to apply) and refresh (held)

    # The gate judges the old evaluation first: the base moved, so it evaluates again instead of merging.
    runs = gh.release("gate.yml")
    stale_gate = runs[0]
    assert stale_gate.run.workflow == "gate.yml", list(explain(runs))
    assert "the base branch moved since the evaluation" in stale_gate.log(), stale_gate.log()
    assert [r.run.workflow for r in runs[1:3]] == ["evaluate.yml", "gate.yml"], list(explain(runs))
    runs += gh.release("refresh.yml")
    assert not world.double.prs[n].merged, list(explain(runs))
    assert runs_of(runs, "apply.yml") == []
    gate = world.double.gate_state(head)
    assert gate is not None and gate["state"] == "failure", (gate, list(explain(runs)))
    comment = ssops_comment(world, n)
    assert "against a budget of $120.00" in comment, comment
    assert world.main_sha() != first_base and world.main_sha()[:12] in comment


@pytest.mark.parametrize("app", [True, False], ids=["github-app", "github-token"])
def test_a_required_actions_check_finishing_after_the_evaluation_merges_without_a_human(
    world: World, tmp_path: Path, app: bool
) -> None:
    world.dev.write(".github/workflows/ci.yml", CI_WORKFLOW)
    world.dev.commit("the repository's own CI", render=False)
    world.push("main", who="pat")
    gh = github(world, tmp_path, app=app)
    world.double.required_checks.append(("test", ACTIONS_APP_ID))
    gh.drain()
    gh.hold("ci.yml")  # the repository's tests take longer than ssops-ci

    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    runs = gh.drain()
    assert not world.double.prs[n].merged, list(explain(runs))
    assert world.double.gate_state(head)["state"] == "success"  # type: ignore[index]
    waiting = ssops_comment(world, n)
    assert 'as soon as the required check(s) "test" pass; nobody needs to act' in waiting, waiting

    runs = gh.release("ci.yml")
    assert world.double.prs[n].merged, "\n".join(explain(runs))
    assert [r.run.workflow for r in runs[:2]] == ["ci.yml", "refresh.yml"], list(explain(runs))
    applies = runs_of(runs, "apply.yml")
    assert len(applies) == 1 and applies[0].conclusion == "success", list(explain(runs))
    assert applies[0].run.head_sha == world.double.prs[n].merge_sha


def test_a_refused_merge_shows_githubs_reason(world: World, tmp_path: Path) -> None:
    gh = github(world, tmp_path, app=True)
    world.double.review_rules = {"required_approving_review_count": 1}
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice")
    runs = gh.drain()
    assert not world.double.prs[n].merged and runs_of(runs, "apply.yml") == []
    reason = "At least 1 approving review is required by reviewers with write access."
    comment = ssops_comment(world, n)
    assert f"GitHub refused to merge it: {reason}" in comment, comment
    assert "will merge" not in comment.lower()
    gate = world.double.gate_state(head)
    assert gate == {"state": "failure", "description": f"GitHub refused the merge: {reason}", "app": APP_ID}


def test_a_matrix_evaluation_joins_into_one_report_and_merges(world: World, tmp_path: Path) -> None:
    world.dev.edit("policies/platform.yaml", "fan_out_above: 40", "fan_out_above: 0")
    world.dev.commit("plan every pull request in a matrix", render=False)
    world.push("main", who="pat")
    gh = github(world, tmp_path, app=True)
    gh.drain()
    world.branch_with("jobs", {**QUEUE, **CACHE})
    n = world.double.open_pr("jobs", "alice")
    runs = gh.drain()
    [evaluation] = [r for r in runs_of(runs, "evaluate.yml") if r.run.event == "pull_request"]
    jobs = {j.name: j.result for j in evaluation.jobs}
    assert jobs == {"scope": "success", "evaluate": "skipped", "plan": "success", "join": "success"}, jobs
    assert world.double.prs[n].merged, list(explain(runs))
    comment = ssops_comment(world, n)
    assert "payments/jobs" in comment and "payments/cache" in comment
    [apply] = runs_of(runs, "apply.yml")
    assert "2 of 2 stack(s) applied" in apply.log(), apply.log()


def test_two_merges_waiting_for_a_runner_are_both_applied(world: World, tmp_path: Path) -> None:
    gh = github(world, tmp_path, app=True)
    gh.hold("apply.yml")  # no runner free: both merges' applies wait
    world.branch_with("jobs", QUEUE)
    first = world.double.open_pr("jobs", "alice")
    world.branch_with("cache", CACHE)
    second = world.double.open_pr("cache", "alice")
    runs = gh.drain()
    assert world.double.prs[first].merged and world.double.prs[second].merged, list(explain(runs))
    runs = gh.release("apply.yml")
    applies = runs_of(runs, "apply.yml")
    assert [a.conclusion for a in applies] == ["success", "success"], list(explain(runs))
    for n in (first, second):
        [body] = [c["body"] for c in world.double.comments_on(n) if c["body"].startswith("<!-- ssops-ci:apply -->")]
        assert "## ✅ Applied" in body and "1 of 1 stack(s) applied" in body, body


def test_a_draft_is_evaluated_never_merged_and_merges_once_ready(world: World, tmp_path: Path) -> None:
    gh = github(world, tmp_path, app=True)
    head = world.branch_with("jobs", QUEUE)
    n = world.double.open_pr("jobs", "alice", draft=True)
    runs = gh.drain()
    assert not world.double.prs[n].merged and runs_of(runs, "apply.yml") == [], list(explain(runs))
    gate = world.double.gate_state(head)
    assert gate and gate["state"] == "pending" and "draft" in gate["description"], gate
    assert "never merged until it is marked ready for review" in ssops_comment(world, n)
    world.double.ready_for_review(n)
    runs = gh.drain()
    assert world.double.prs[n].merged and len(runs_of(runs, "apply.yml")) == 1, list(explain(runs))
