"""`ssops-ci plan` and `merge-reports` through the CLI, on real git repositories."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from ssops_ci.commands.cli import cli
from tests.conftest import Repo, plan_report, request_yaml


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def changed(gitrepo: Callable[..., Repo]) -> Repo:
    repo = gitrepo({f"requests/payments/q{i}.yaml": request_yaml(name=f"q{i}") for i in range(6)})
    repo.branch("platform")
    repo.edit(
        "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300\n  tags",
        "kms_data_key_reuse_period_seconds = 900\n  tags",
    )
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.commit()
    return repo


def test_plan_writes_the_report_contract(changed: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws its progress only on a terminal: say stderr is one
    out = tmp_path / "plan.json"
    result = run("plan", "--repo", str(changed.root), "--base", "main", "--json", str(out))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    assert set(doc) >= {"base", "head", "governance_paths", "stacks"}
    assert doc["head"] == changed.git("rev-parse", "HEAD")
    assert doc["base"] == changed.git("rev-parse", "main")
    assert doc["governance_paths"] == ["templates/queue/main.tf.j2"]
    stack = next(s for s in doc["stacks"] if s["id"] == "search/indexer")
    assert {k: stack[k] for k in ("request", "kind", "team", "environment", "reason")} == {
        "request": "requests/search/indexer.yaml",
        "kind": "Function",
        "team": "search",
        "environment": "dev",
        "reason": "request-changed",
    }
    fn = next(c for c in stack["changes"] if c["address"] == "aws_lambda_function.this")
    assert fn == {
        "address": "aws_lambda_function.this",
        "type": "aws_lambda_function",
        "action": "update",
        "replace_because": [],
        "diff": {"memory_size": {"before": 512, "after": 1024}},
        "holds_data": False,
        "file": "rendered/search/indexer/main.tf",
        "line": 88,
    }
    assert {f["check_id"] for f in stack["findings"]} == {"CKV_AWS_272", "CKV_AWS_338"}
    assert next(f for f in stack["findings"] if f["check_id"] == "CKV_AWS_272") == (
        {
            "source": "checkov",
            "check_id": "CKV_AWS_272",
            "severity": "info",
            "stack": "search/indexer",
            "resource": "aws_lambda_function.this",
            "file": "rendered/search/indexer/main.tf",
            "line": 88,
            "message": "Ensure AWS Lambda function is configured to validate code-signing: accepted by the Function "
            "template (Packages come only from the platform's artifact bucket, which CI alone can write; per-team "
            "signing profiles are not offered yet.)",
            "remediation": "nothing to do: the platform team accepted this for the template",
            "link": "https://github.com/bridgecrewio/checkov/blob/"
            f"{metadata.version('checkov')}/checkov/terraform/checks/resource/aws/LambdaCodeSigningConfigured.py",
            "blocking": False,
            "waived": False,
            "waiver_reason": None,
        }
    )
    # the human summary: one row per stack, counts per action, a progress bar past five stacks
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["search/indexer", "request-changed", "0", "1", "0", "0", "low"] in rows
    assert "9 stack(s): 0 to create, 9 to update, 0 to replace, 0 to destroy" in result.stdout
    assert re.search(r"^cost: \$[\d,]+\.\d\d -> \$[\d,]+\.\d\d a month \([+−±]\$[\d,]+\.\d\d\)$", result.stdout, re.M)
    assert "planning stacks" in result.stderr and "9/9" in result.stderr


def test_plan_exits_1_when_a_stack_cannot_be_planned(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("bad")
    repo.write("requests/payments/bad.yaml", "apiVersion: ssops/v1\nkind: Queue\n")
    repo.commit(render=False)
    result = run("plan", "--repo", str(repo.root), "--base", "main")
    assert result.exit_code == 1
    [row] = [line.split() for line in result.stdout.splitlines() if line.startswith("payments/bad ")]
    assert row == ["payments/bad", "request-added", "error", "(below)"]
    [error] = [line for line in result.stdout.splitlines() if line.startswith("ERROR payments/bad: ")]
    assert "requests/payments/bad.yaml:1:1: metadata: required field is missing" in error


def test_matrix_then_plan_each_group_then_merge(changed: Repo, tmp_path: Path) -> None:
    result = run("plan", "--repo", str(changed.root), "--base", "main", "--matrix")
    matrix = json.loads(result.stdout)
    assert matrix["include"] == [
        {
            "group": "1/1",
            "stacks": " ".join(
                sorted(
                    [
                        "payments/q0",
                        "payments/q1",
                        "payments/q2",
                        "payments/q3",
                        "payments/q4",
                        "payments/q5",
                        "payments/refund-events",
                        "search/crawl-queue",
                        "search/indexer",
                    ]
                )
            ),
        }
    ]
    ids = matrix["include"][0]["stacks"].split()
    parts = []
    for i, chunk in enumerate((ids[:4], ids[4:])):
        part = tmp_path / f"part{i}.json"
        args = ["plan", "--repo", str(changed.root), "--base", "main", "--json", str(part)]
        for sid in chunk:
            args += ["--stack", sid]
        assert run(*args).exit_code == 0
        parts.append(str(part))
    merged = tmp_path / "merged.json"
    assert run("merge-reports", *parts, "--json", str(merged)).exit_code == 0
    full = tmp_path / "full.json"
    run("plan", "--repo", str(changed.root), "--base", "main", "--json", str(full))
    assert json.loads(merged.read_text()) == json.loads(full.read_text())
    dup = run("merge-reports", parts[0], parts[0], "--json", str(tmp_path / "x.json"))
    assert dup.exit_code == 1 and "appears in two reports" in dup.stderr


def test_plan_one_stack_that_is_not_affected(changed: Repo) -> None:
    result = run("plan", "--repo", str(changed.root), "--base", "main", "--stack", "payments/orders-db")
    assert result.exit_code == 1
    assert "stack(s) payments/orders-db are not affected by main..HEAD" in result.stderr


def test_matrix_caps_the_number_of_jobs() -> None:
    from ssops_ci.model.plan import Affected, Touched
    from ssops_ci.stages.affected import matrix

    touched = {f"t/s{i:04d}": Touched(id=f"t/s{i:04d}") for i in range(10_000)}
    include = matrix(Affected(base="b", head="h", merge_base="m", touched=touched))["include"]
    assert len(include) <= 256
    assert sum(len(g["stacks"].split()) for g in include) == 10_000  # type: ignore[index]


def test_bad_refs_and_not_a_repo(changed: Repo, tmp_path: Path) -> None:
    result = run("plan", "--repo", str(changed.root), "--base", "origin/nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown git ref 'origin/nope': fetch it first")
    result = run("plan", "--repo", str(tmp_path), "--base", "main")
    assert "is not a git repository" in result.stderr


def test_merge_reports_of_different_runs(changed: Repo, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run("plan", "--repo", str(changed.root), "--base", "main", "--json", str(a))
    doc = json.loads(a.read_text())
    doc["head"] = "0" * 40
    doc["stacks"] = []
    b.write_text(json.dumps(doc))
    result = run("merge-reports", str(a), str(b), "--json", str(tmp_path / "m.json"))
    assert result.exit_code == 1 and "different revisions" in result.stderr
    (tmp_path / "junk.json").write_text("{}")
    result = run("merge-reports", str(tmp_path / "junk.json"), "--json", str(tmp_path / "m.json"))
    assert "is not an ssops-ci report" in result.stderr


def test_plan_appends_to_the_job_summary(changed: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    changed.write(
        "requests/payments/site.yaml", request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")
    )
    changed.commit()
    result = run("plan", "--repo", str(changed.root), "--base", "main", "--json", str(tmp_path / "r.json"))
    text = summary.read_text()
    assert text.startswith("<!-- ssops-ci:comment -->") and "search/indexer" in text  # the comment itself
    findings = [f for s in json.loads((tmp_path / "r.json").read_text())["stacks"] for f in s["findings"]]
    errors = [ln for ln in result.stdout.splitlines() if ln.startswith("::error ")]
    assert len(errors) == sum(f["blocking"] for f in findings) > 0
    assert (
        "::error file=requests/payments/site.yaml,line=10,title=guardrail.param.all.ObjectBucket.publicRead"
        in result.stdout
    )


def test_findings_become_annotations_no_value_can_break_out_of() -> None:
    from ssops_ci.model.finding import Finding
    from ssops_ci.model.report import Report, StackReport
    from ssops_ci.stages.annotations import workflow_commands

    hostile = "x\n::error file=evil::injected, 100%"
    finding = Finding(
        source="guardrail",
        check_id="guardrail.param",
        severity="high",
        stack="p/q",
        message=hostile,
        remediation="set it: to false",
        blocking=True,
        file="requests/p/q,1.yaml",
        line=7,
    )
    report = Report.model_construct(stacks=[StackReport.model_construct(id="p/q", findings=[finding])])
    [line] = workflow_commands(report)
    assert line.startswith("::error file=requests/p/q%2C1.yaml,line=7,title=guardrail.param (p/q)::x%0A")
    assert "\n" not in line and "100%25" in line


def test_git_repo_handle_is_reused(changed: Repo) -> None:
    r = git.Repo(changed.root)
    report = plan_report(r, "main", "HEAD")
    assert len(report.stacks) == 9


def test_verbose_logs_each_step_on_stderr_and_quiet_logs_nothing(changed: Repo) -> None:
    quiet = run("plan", "--repo", str(changed.root), "--base", "main")
    assert "ssops_ci.app.evaluate" not in quiet.stderr
    loud = run("--verbose", "plan", "--repo", str(changed.root), "--base", "main")
    assert loud.exit_code == quiet.exit_code
    logged = [
        ln.split("ssops_ci.app.evaluate: ", 1)[1] for ln in loud.stderr.splitlines() if "ssops_ci.app.evaluate: " in ln
    ]
    assert logged[0].startswith("scope ") and "9 stack(s) touched" in logged[0]
    assert any(ln.startswith("planned 9 stack(s) with the static engine in ") for ln in logged)
    assert any(ln.startswith("checked 9 stack(s) in ") for ln in logged)
    assert logged[-1].startswith("risk ")
    assert loud.stdout == quiet.stdout  # the log never mixes into what scripts read
