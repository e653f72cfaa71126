"""The GitHub Actions workflows: schema-valid, least-privileged, and wired so GitHub's trigger rules
give the intended event graph (actionlint and zizmor run over them in `make test`)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from ssops_ci.model.forge import APPLY_WORKFLOW, EVALUATE_WORKFLOW
from tests.conftest import PROJECT
from tests.github_double.triggers import OWN_COPY, started, triggers

WORKFLOWS = sorted((PROJECT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
# ssops-ci's own workflows; ci.yml runs this project's test suite and is not part of what adopters install.
PRODUCT = {p.name: p for p in WORKFLOWS if p.name != "ci.yml"}


def load(path: Path) -> dict[str, Any]:
    # BaseLoader keeps every scalar a string (so `on` is not True); it constructs nothing.
    doc = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # noqa: S506
    assert isinstance(doc, dict)
    return doc


GRAPH = {name: load(path) for name, path in PRODUCT.items()}


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
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false"  # no job here pushes with git
    if path.name != "ci.yml":
        assert doc["permissions"] == {} or doc["permissions"] == "{}"
        assert all("permissions" in job for job in doc["jobs"].values())


# ----------------------------------------------------------------------------- the event graph


def _push(actor: str) -> list[str]:
    return started(GRAPH, "push", {"ref": "refs/heads/main"}, actor)


def _dispatch(workflow: str, actor: str = "actions") -> list[str]:
    return started(GRAPH, "workflow_dispatch", {"workflow": f".github/workflows/{workflow}"}, actor)


def test_a_merge_made_with_github_token_leads_to_exactly_one_apply() -> None:
    # GitHub starts nothing for the push a GITHUB_TOKEN merge makes; the gate then dispatches apply.yml.
    assert _push("actions") == []
    assert [*_push("actions"), *_dispatch(APPLY_WORKFLOW)].count(APPLY_WORKFLOW) == 1


@pytest.mark.parametrize("merged_by", ["app", "user"])
def test_a_merge_made_by_the_app_or_a_person_leads_to_exactly_one_apply(merged_by: str) -> None:
    # Their push starts apply.yml itself (the gate dispatches nothing then), and refreshes the open PRs.
    assert _push(merged_by) == [APPLY_WORKFLOW, "refresh.yml"]


def test_pull_request_events_start_only_the_unprivileged_evaluation() -> None:
    for action in ("opened", "synchronize", "reopened", "ready_for_review"):
        assert started(GRAPH, "pull_request", {"action": action}, "user") == [EVALUATE_WORKFLOW]
    assert started(GRAPH, "pull_request", {"action": "labeled"}, "app") == []  # our own labels start nothing
    assert started(GRAPH, "pull_request_review", {"action": "submitted"}, "user") == [EVALUATE_WORKFLOW]


def test_a_finished_evaluation_starts_the_gate_and_finished_checks_start_a_refresh() -> None:
    name = GRAPH[EVALUATE_WORKFLOW]["name"]
    run = {"action": "completed", "workflow_run": {"name": name}}
    assert started(GRAPH, "workflow_run", run, "user") == ["gate.yml"]
    assert started(GRAPH, "workflow_run", {"action": "completed", "workflow_run": {"name": "ci"}}, "user") == [
        "refresh.yml"
    ]
    assert started(GRAPH, "check_suite", {"action": "completed"}, "app") == ["refresh.yml"]


def test_the_gate_dispatches_only_workflows_that_accept_it() -> None:
    evaluate = triggers(GRAPH[EVALUATE_WORKFLOW])["workflow_dispatch"]["inputs"]
    apply = triggers(GRAPH[APPLY_WORKFLOW])["workflow_dispatch"]["inputs"]
    assert set(evaluate) == {"pr"} and set(apply) == {"sha"}
    assert _dispatch(EVALUATE_WORKFLOW) == [EVALUATE_WORKFLOW] and _dispatch(APPLY_WORKFLOW) == [APPLY_WORKFLOW]


def _privileged(job: dict[str, Any], text: str) -> bool:
    perms = job.get("permissions") or {}
    writes = isinstance(perms, dict) and any(v == "write" and k != "id-token" for k, v in perms.items())
    return writes or bool(job.get("environment")) or "secrets." in text


def _handles_pr_content(name: str, job: dict[str, Any]) -> bool:
    on = triggers(GRAPH[name])
    checks_out_pr = any("refs/pull/" in str((s.get("with") or {}).get("ref", "")) for s in job.get("steps", []))
    return checks_out_pr or bool({"pull_request", "pull_request_review", "pull_request_target"} & set(on))


def test_no_job_that_handles_pr_content_has_a_write_permission_or_a_secret() -> None:
    for name, doc in GRAPH.items():
        text = PRODUCT[name].read_text()
        for job_name, job in doc["jobs"].items():
            if _handles_pr_content(name, job):
                assert not _privileged(job, text), f"{name}: job {job_name} handles PR content with privileges"
                assert "pull_request_target" not in triggers(doc)


def test_every_privileged_job_runs_from_the_default_branchs_workflow_file() -> None:
    for name, doc in GRAPH.items():
        text = PRODUCT[name].read_text()
        on = triggers(doc)
        for job_name, job in doc["jobs"].items():
            if not _privileged(job, text):
                continue
            own_copy = set(on) & set(OWN_COPY)
            branches = on.get("push", {}).get("branches") or []
            assert not own_copy - {"push", "workflow_dispatch"}, f"{name}/{job_name} runs a PR's copy of itself"
            assert "push" not in own_copy or branches == ["main"], f"{name}/{job_name}: push from any branch"
            if "workflow_dispatch" in own_copy:  # a dispatch runs the dispatched ref's copy: only main's
                # The guard is the first conjunct, so nothing else in the condition can lift it.
                guard, _, rest = job.get("if", "").replace(" ", "").partition("&&")
                assert guard == "github.ref=='refs/heads/main'", f"{name}/{job_name}"
                assert "||" not in rest, f"{name}/{job_name}: an `or` could bypass the branch guard"


def test_applies_queue_per_stack_apart_from_drift_and_never_cancel() -> None:
    apply, drift = GRAPH[APPLY_WORKFLOW]["jobs"]["apply"], GRAPH["drift.yml"]
    # One job per stack, in the stack's own group: GitHub's "one pending run per group, the older one is
    # cancelled" then only ever replaces an apply of a stack by a newer apply of the same stack.
    assert apply["strategy"]["matrix"] == "${{ fromJSON(needs.scope.outputs.matrix) }}"
    assert apply["concurrency"]["group"] == "ssops-ci-apply-${{ matrix.lock }}"
    assert "concurrency" not in GRAPH[APPLY_WORKFLOW]  # a workflow-wide group would cancel other stacks' applies
    assert apply["concurrency"]["cancel-in-progress"] == drift["concurrency"]["cancel-in-progress"] == "false"
    assert not drift["concurrency"]["group"].startswith("ssops-ci-apply")
    assert apply["permissions"]["id-token"] == "write" and apply["environment"] == "production"
    assert "setup-terraform" in PRODUCT["drift.yml"].read_text()  # drift plans with a pinned Terraform


def test_jinja2_with_known_sandbox_escapes_cannot_be_installed() -> None:
    # The templates run in Jinja2's sandbox; 3.1.5 and 3.1.6 fixed published escapes from it.
    deps = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["dependencies"]
    [jinja] = [r for r in map(Requirement, deps) if r.name.lower() == "jinja2"]
    assert not any(v in jinja.specifier for v in ("3.1.4", "3.1.5")) and "3.1.6" in jinja.specifier


def _uploads() -> list[tuple[str, dict[str, str]]]:
    return [
        (name, step.get("with") or {})
        for name, path in zip(PRODUCT, PRODUCT.values(), strict=True)
        for job in load(path)["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/upload-artifact@")
    ]


def test_an_artifact_with_hidden_files_says_so() -> None:
    # upload-artifact leaves dotfiles and dot-folders out unless told (v4.4 and later): a `.ssops/`
    # artifact would arrive empty.
    uploads = _uploads()
    assert len(uploads) >= 4
    for name, given in uploads:
        hidden = any(part.startswith(".") and part not in (".", "..") for part in given["path"].split("/"))
        assert not hidden or given.get("include-hidden-files") == "true", f"{name}: {given['path']}"


def test_the_report_is_published_on_a_schedule_read_only_as_summary_and_artifact() -> None:
    doc, text = GRAPH["report.yml"], PRODUCT["report.yml"].read_text()
    on = triggers(doc)
    assert "schedule" in on and "workflow_dispatch" in on and not set(on) & {"pull_request", "push"}
    [job] = doc["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert '--markdown "$GITHUB_STEP_SUMMARY"' in text and "--html ssops-report/report.html" in text
    [(_, upload)] = [(n, w) for n, w in _uploads() if n == "report.yml"]
    assert upload["path"] == "ssops-report/" and upload["if-no-files-found"] == "error"


def test_the_records_store_is_given_only_to_the_jobs_that_keep_records() -> None:
    # A PostgreSQL URL carries a password: the evaluation of PR content never receives it.
    for name, doc in GRAPH.items():
        for job_name, job in doc["jobs"].items():
            steps_env = " ".join(str(s.get("env", {})) for s in job.get("steps", []))
            if _handles_pr_content(name, job):
                assert "SSOPS_STORE" not in steps_env, f"{name}/{job_name}"
    for name in ("gate.yml", "apply.yml", "drift.yml", "report.yml"):
        assert "SSOPS_STORE: ${{ secrets.SSOPS_STORE }}" in PRODUCT[name].read_text(), name


@pytest.mark.parametrize("version", ["0.1.0 --index-url=https://evil", ">=0.1", "../evil", "0.1.0\n::error::x", ""])
def test_the_action_installs_an_exact_release_or_nothing(version: str, tmp_path: Path) -> None:
    """The composite action's install step, run as the runner runs it: anything but an exact version stops
    it before pip (a stub on PATH records whether pip was called)."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    [step] = [s for s in action["runs"]["steps"] if s.get("shell") == "bash"]
    stub = tmp_path / "python"
    stub.write_text(f"#!/bin/sh\necho called > {tmp_path / 'pip-ran'}\n")
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "VERSION": version}
    out = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "must be an exact release" in out.stdout
    assert not (tmp_path / "pip-ran").exists()
    env["VERSION"] = "0.1.0"
    subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True)
    assert (tmp_path / "pip-ran").exists()  # an exact version reaches pip


def test_the_action_installs_from_a_lock_only_when_it_pins_that_release(tmp_path: Path) -> None:
    """With `lock`, pip gets --require-hashes and the lock; a lock pinning another release stops it first."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    [step] = [s for s in action["runs"]["steps"] if s.get("shell") == "bash"]
    stub = tmp_path / "python"
    stub.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "pip-args"}\n')
    stub.chmod(0o755)
    lock = tmp_path / "ssops-ci.lock"
    lock.write_text("ssops-ci==0.1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "VERSION": "0.2.0", "LOCK": str(lock)}
    out = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "does not pin ssops-ci==0.2.0" in out.stdout
    assert not (tmp_path / "pip-args").exists()
    env["VERSION"] = "0.1.0"
    subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True)
    args = (tmp_path / "pip-args").read_text().split()
    assert args[-4:] == ["--require-hashes", "--no-deps", "-r", str(lock)]
