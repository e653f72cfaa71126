"""The GitHub Actions workflows: linted, schema-valid, and holding to the security rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT

WORKFLOWS = sorted((PROJECT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def load(path: Path) -> dict:  # type: ignore[type-arg]
    # BaseLoader keeps every scalar a string (so `on` is not True); it constructs nothing.
    doc = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # noqa: S506
    assert isinstance(doc, dict)
    return doc


def test_actionlint() -> None:
    out = subprocess.run([str(BIN / "actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_github_workflow_schema() -> None:
    out = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_and_permissions_are_least(path: Path) -> None:
    doc = load(path)
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    if path.name != "ci.yml":
        assert doc["permissions"] == {} or doc["permissions"] == "{}"
    for job in doc["jobs"].values():
        assert "permissions" in job or path.name == "ci.yml"


@pytest.mark.parametrize("name", ["evaluate.yml", "review.yml"])
def test_write_token_jobs_never_run_pr_code(name: str) -> None:
    text = (PROJECT / ".github/workflows" / name).read_text()
    doc = load(PROJECT / ".github/workflows" / name)
    assert "github.event.pull_request.head" not in text.replace("github.event.pull_request.head.repo.full_name", "")
    assert "secrets." not in text  # only the job's own scoped token
    [job] = doc["jobs"].values()
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
    fetch = next(s for s in job["steps"] if "git fetch" in s.get("run", ""))
    assert "refs/pull/${PR}/head:refs/ssops/pr/${PR}" in fetch["run"]  # data only, no checkout
    assert doc["concurrency"]["group"].startswith("ssops-ci-pr-${{ github.event.pull_request.number")


def test_pull_request_target_only_where_intended() -> None:
    for path in WORKFLOWS:
        on = load(path)["on"]
        if "pull_request_target" in on:
            assert path.name == "evaluate.yml"
    apply = load(PROJECT / ".github/workflows/apply.yml")
    assert list(apply["on"]) == ["push"] and apply["concurrency"]["cancel-in-progress"] == "false"
    assert apply["jobs"]["apply"]["permissions"]["id-token"] == "write"
