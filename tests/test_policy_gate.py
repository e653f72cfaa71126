"""The gate end to end: real git repositories, real checkov, rules from the base branch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ssops_ci.adapters.checkov import CheckovScanner
from ssops_ci.commands.cli import cli
from ssops_ci.model.report import Report
from tests.conftest import Repo, repository, request_yaml
from tests.conftest import evaluate as evaluate_range

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 11, 22)


def evaluate(repo: Repo, **kw: Any) -> Report:
    return evaluate_range(repo.root, "main", "HEAD", today=TODAY, **kw)


def blocking(report: Report, stack: str) -> list[str]:
    return sorted({f.check_id for f in report.stack(stack).findings if f.blocking})


def test_every_starter_template_passes_the_org_checks(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("new-things")
    specs = {
        "PostgresDatabase": "  size: small\n",
        "ObjectBucket": "  expireAfterDays: 30\n",
        "Queue": "  maxReceiveCount: 5\n",
        "RedisCache": "  replicas: 1\n",
        "Function": "  artifact: a/b/1.zip\n",
    }
    for env in ("dev", "prod"):
        for kind, spec in specs.items():
            repo.write(
                f"requests/payments/{kind.lower()[:8]}-{env}.yaml",
                request_yaml(kind=kind, name=f"{kind.lower()[:8]}-{env}", env=env, spec=spec),
            )
    repo.commit()
    report = evaluate(repo)
    assert len(report.stacks) == 10
    assert report.checks_passed > 250
    for s in report.stacks:
        assert s.status == "ok"
        assert blocking(report, s.id) == [], s.id
        custom = {f.check_id for f in s.findings} & {"CKV2_SSOPS_1", "CKV_SSOPS_2", "CKV_SSOPS_3"}
        assert not custom
    db = report.stack("payments/postgres-dev")
    accepted = {"CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_338"}  # by the template: single-AZ, deletable, log retention
    assert {f.check_id for f in db.findings} == accepted
    assert all(f.severity == "info" and "accepted by the PostgresDatabase template" in f.message for f in db.findings)


def test_public_bucket_is_caught_by_guardrail_and_checkov(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("public")
    repo.write(
        "requests/payments/site.yaml", request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")
    )
    repo.commit()
    report = evaluate(repo)
    assert blocking(report, "payments/site") == [
        "CKV2_AWS_6",
        "CKV_AWS_145",  # public objects use S3-managed keys: anonymous readers cannot use a customer key
        "CKV_AWS_54",
        "CKV_AWS_56",
        "CKV_AWS_70",
        "CKV_SSOPS_2",
        "guardrail.param.all.ObjectBucket.publicRead",
    ]
    f = next(f for f in report.stack("payments/site").findings if f.check_id == "CKV_AWS_70")
    assert (f.severity, f.file, f.resource) == (
        "critical",
        "rendered/payments/site/main.tf",
        "aws_s3_bucket_policy.this",
    )
    assert f.line and "arn:aws:s3" in (repo.root / f.file).read_text().splitlines()[f.line + 9]
    # each finding links the check that made it (a graph check's file too), at the checkov that ran
    links = {f.check_id: f.link for f in report.stack("payments/site").findings}
    assert str(links["CKV_AWS_70"]).endswith("/checkov/terraform/checks/resource/aws/S3AllowsAnyPrincipal.py")
    assert str(links["CKV_AWS_145"]).endswith("/checkov/terraform/checks/graph_checks/aws/S3KMSEncryptedByDefault.json")
    assert links["CKV_SSOPS_2"] == "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk"
    assert f.remediation.startswith("set spec.publicRead to false")


def test_insecure_template_change_is_caught_on_every_stack_it_reaches(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform-oops")
    repo.edit(
        "templates/postgres-database/main.tf.j2",
        "  storage_encrypted     = true\n  kms_key_id            = aws_kms_key.this.arn\n",
        "  storage_encrypted     = false\n",
    )
    repo.edit("templates/function/main.tf.j2", 'Action   = ["sqs:SendMessage"]', 'Action   = ["*"]')
    repo.commit()
    report = evaluate(repo)
    for db in ("payments/orders-db", "search/ranking-db"):
        assert {"CKV_AWS_16", "CKV_SSOPS_2"} <= set(blocking(report, db))
    assert "CKV_SSOPS_3" in blocking(report, "search/indexer")
    wildcard = next(f for f in report.stack("search/indexer").findings if f.check_id == "CKV_SSOPS_3")
    assert wildcard.severity == "critical" and "allows *" in wildcard.message
    assert report.governance_paths == ["templates/function/main.tf.j2", "templates/postgres-database/main.tf.j2"]


def test_loosening_a_guardrail_in_the_same_pr_does_not_help(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("sneaky")
    repo.edit("policies/guardrails.yaml", "size: {allowed: [small], message", "size: {allowed: [small, large], message")
    repo.write("requests/payments/big.yaml", request_yaml(kind="PostgresDatabase", name="big", spec="  size: large\n"))
    repo.commit()
    report = evaluate(repo)
    assert blocking(report, "payments/big") == ["guardrail.param.dev.PostgresDatabase.size"]
    assert report.governance_paths == ["policies/guardrails.yaml"]


def test_widening_the_schema_in_the_same_pr_does_not_help(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("sneakier")
    repo.edit(
        "templates/postgres-database/template.yaml",
        "enum: [small, medium, large]",
        "enum: [small, medium, large, xlarge]",
    )
    repo.edit(
        "templates/postgres-database/template.yaml",
        "    large: db.r6g.xlarge\n",
        "    large: db.r6g.xlarge\n    xlarge: db.r6g.2xlarge\n",
    )
    repo.edit(
        "policies/guardrails.yaml", "size: {allowed: [small], message", "size: {allowed: [small, xlarge], message"
    )
    repo.write(
        "requests/payments/huge.yaml", request_yaml(kind="PostgresDatabase", name="huge", spec="  size: xlarge\n")
    )
    repo.commit()
    report = evaluate(repo)
    s = report.stack("payments/huge")
    assert s.status == "ok"  # the head templates render it, so the reviewer sees what it would be
    [f] = [f for f in s.findings if f.blocking]
    assert f.check_id == "ssops.validation"
    assert f.message == "spec.size: Input should be 'small', 'medium' or 'large' (got 'xlarge'); did you mean 'large'?"
    assert (f.file, f.line) == ("requests/payments/huge.yaml", 10)


def test_weakening_custom_checks_in_the_same_pr_does_not_help(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("disable")
    repo.remove("policies/checkov/checks/ssops_no_wildcard_iam.py")
    repo.write(
        "policies/checkov/config.yaml",
        (repo.root / "policies/checkov/config.yaml")
        .read_text()
        .replace("blocking_severities: [critical, high, medium]", "blocking_severities: []"),
    )
    repo.edit("templates/function/main.tf.j2", 'Action   = ["sqs:SendMessage"]', 'Action   = ["sqs:*"]')
    repo.commit()
    report = evaluate(repo)
    assert "CKV_SSOPS_3" in blocking(report, "search/indexer")


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        (
            "policies/guardrails.yaml",
            "parameters:\n  dev:\n    PostgresDatabase:\n      size: {allowed: [small]\n",
            "policies/guardrails.yaml:5:1: invalid YAML",
        ),
        (
            "policies/guardrails.yaml",
            "quotas:\n  - kind: PostgresDatabase\n    max_per_team: lots\n",
            "policies/guardrails.yaml:3:19: quotas.0.max_per_team: Input should be a valid integer",
        ),
        (
            "policies/guardrails.yaml",
            "parameters:\n  dev:\n    MongoCluster:\n      size: {max: 1}\n",
            "policies/guardrails.yaml:1:1: parameters.dev.MongoCluster: no such kind in templates/",
        ),
        (
            "policies/checkov/checks/broken.py",
            "def oops(:\n",
            "policies/checkov/checks/broken.py:1:10: custom check does not compile",
        ),
        (
            "policies/checkov/checks/broken.yaml",
            "metadata:\n  name: no id\n",
            "policies/checkov/checks/broken.yaml:1:1: a custom graph check needs metadata.id and definition",
        ),
    ],
)
def test_malformed_policy_on_base_fails_closed(
    gitrepo: Callable[..., Repo], path: str, content: str, expected: str
) -> None:
    repo = gitrepo()
    repo.write(path, content)
    repo.commit("broken policy", render=False)
    repo.branch("feature")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.edit("requests/payments/receipts.yaml", "expireAfterDays: 2555", "expireAfterDays: 2000")
    repo.commit()
    report = evaluate(repo)
    assert len(report.stacks) == 2
    where, _, what = expected.partition(": ")
    for s in report.stacks:
        assert blocking(report, s.id) == ["ssops.policy-error"]
        assert any(f"{f.file}:{f.line}" in where and f.message.startswith(what) for f in s.findings), s.findings
    assert any(e.startswith(expected) for e in report.policy_errors), report.policy_errors


def test_checkov_crash_on_one_stack_marks_only_that_stack(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("two")
    repo.write("requests/payments/q1.yaml", request_yaml(name="q1"))
    repo.write("requests/payments/q2.yaml", request_yaml(name="q2"))
    repo.commit()

    class CrashOnQ2(CheckovScanner):
        def _run(self, root: Path, checks_dir: Path | None) -> Any:
            if any(root.rglob("q2")):
                raise RuntimeError("checkov fell over")
            return super()._run(root, checks_dir)

    from ssops_ci.app.evaluate import judge, load_policies, plan
    from ssops_ci.config.policies import Policies
    from ssops_ci.ops import wiring

    svc = dataclasses.replace(wiring.services(repository(repo.root), today=TODAY), scanner=CrashOnQ2)
    planned = plan(svc, "main", "HEAD")
    pols = load_policies(planned.scope.base)
    assert isinstance(pols, Policies)
    report = judge(planned, svc, pols)
    assert report.stack("payments/q1").status == "ok"
    q2 = report.stack("payments/q2")
    assert q2.status == "error" and "checkov crashed scanning this stack: RuntimeError" in (q2.error or "")
    assert blocking(report, "payments/q2") == ["ssops.scan-error"]
    assert report.checks_passed > 0


def test_waived_public_bucket_needs_the_platform(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("waived")
    checks = ["guardrail.param.all.ObjectBucket.publicRead", "CKV_AWS_70", "CKV_AWS_54", "CKV_AWS_56", "CKV2_AWS_6"]
    checks += ["CKV_AWS_145", "CKV_SSOPS_2"]  # S3-managed keys, so that anonymous reads can decrypt
    waivers = "".join(
        f"    - check: {c}\n      reason: public marketing assets, SEC-88\n      expires: 2026-12-31\n" for c in checks
    )
    repo.write(
        "requests/payments/site.yaml",
        request_yaml(
            kind="ObjectBucket", name="site", spec="  publicRead: true\n", extra_meta=f"  waivers:\n{waivers}"
        ),
    )
    repo.commit()
    s = evaluate(repo).stack("payments/site")
    assert [f.check_id for f in s.findings if f.blocking] == []
    assert sorted(f.check_id for f in s.findings if f.waived) == sorted(checks)
    assert s.needs_platform_approval
    assert len(s.waivers) == 7


def test_check_command_and_sarif(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    repo = gitrepo()
    repo.branch("public")
    repo.write(
        "requests/payments/site.yaml", request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")
    )
    repo.commit()
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, ["check", "--repo", str(repo.root), "--base", "main", "--sarif", str(out)])
    assert result.exit_code == 1
    assert ["BLOCKING", "payments/site"] in [line.split()[:2] for line in result.stdout.splitlines()]
    assert "fix: public buckets are not allowed" in result.stdout
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "ssops-ci"
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert "CKV_AWS_70" in rules and "guardrail.param.all.ObjectBucket.publicRead" in rules
    res = next(r for r in run["results"] if r["ruleId"] == "guardrail.param.all.ObjectBucket.publicRead")
    assert res["level"] == "error"
    assert res["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "requests/payments/site.yaml"},
        "region": {"startLine": 10},
    }
    clean = gitrepo.__call__  # noqa: F841 - a clean PR exits 0
    repo.branch("clean")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.commit()
    ok = CliRunner().invoke(cli, ["check", "--repo", str(repo.root), "--base", "main"])
    assert ok.exit_code == 0, ok.stdout


def test_a_pull_request_that_breaks_a_policy_file_is_blocked_before_it_can_block_everyone(
    gitrepo: Callable[..., Repo],
) -> None:
    """Judged by the base's rules it is only a governance change; merged, every later PR would fail closed."""
    from ssops_ci.stages import comment

    repo = gitrepo()
    repo.branch("risk-typo")
    repo.edit("policies/risk.yaml", "    tier: blocked\n", "    tier: meduim\n")
    repo.commit(render=False)
    report = evaluate(repo)
    assert report.risk and report.risk.tier == "blocked"
    assert any(
        e.startswith("policies/risk.yaml:") and "(got 'meduim'); did you mean 'medium'?" in e
        for e in report.head_policy_errors
    )
    body = comment.render(report)
    assert "This pull request breaks files the gate reads" in body and "did you mean" in body
    assert report.decision and not report.decision.auto_merge

    fixed = gitrepo()
    fixed.branch("risk-wording")
    fixed.edit("policies/risk.yaml", "could not be evaluated", "could not be evaluated at all")
    fixed.commit(render=False)
    ok = evaluate(fixed)
    assert ok.head_policy_errors == [] and ok.risk and ok.risk.tier != "blocked"
