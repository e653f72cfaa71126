"""End to end on a simulated GitHub: the repository's real workflow files, started by GitHub's rules,
running ssops-ci for real against the API double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import request_yaml
from tests.github_double.actions import Actions, Run, Settings
from tests.github_double.fixture import APP_ID, World

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
