"""The pull-request comment for each kind of change, checked by structure and content."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from ssops_ci.model.finding import ScanResult
from ssops_ci.model.report import Report
from ssops_ci.stages import comment
from ssops_ci.stages.comment import code
from tests.conftest import Repo, request_yaml
from tests.conftest import evaluate as evaluate_range

pytestmark = pytest.mark.slow


class NoScan:
    """A scanner that finds nothing (the comment, not checkov, is under test here)."""

    def scan(self, stacks: list[object]) -> ScanResult:
        return ScanResult()


def evaluate(repo: Repo, **kw: object) -> tuple[Report, str]:
    report = evaluate_range(repo.root, "main", "HEAD", today=dt.date(2026, 11, 22), **kw)
    return report, comment.render(report)


def table_rows(body: str) -> list[list[str]]:
    start = body.index("| Stack | Kind |")
    lines = body[start:].split("\n\n")[0].splitlines()[2:]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines]


def check_frame(body: str, report: Report) -> None:
    assert body.startswith(comment.MARKER + "\n")
    assert body.count(comment.MARKER) == 1
    assert len(body) < comment.LIMIT
    assert f"Evaluated head <code>{report.head}</code> against base <code>{report.base}</code>" in body
    assert "### Next step" in body


def test_low_risk_dev_create(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("queue")
    repo.write("requests/payments/jobs.yaml", request_yaml(name="jobs"))
    repo.commit()
    report, body = evaluate(repo)
    check_frame(body, report)
    assert body.splitlines()[1].startswith("## 🟢 Low risk · will merge and apply automatically · +$")
    assert report.decision and report.decision.auto_merge
    [row] = table_rows(body)
    assert row[:7] == ["<code>payments/jobs</code>", "Queue", "dev", "8", "0", "0", "0"]
    assert row[7].startswith("$0.00 → $5.20 (+$5.20)") and row[9] == "🟢 low"
    assert "Will merge and apply automatically once the other required checks pass; nobody needs to act." in body
    assert 'n1["+ aws_sqs_queue.dlq"]:::create' in body  # the mermaid diagram, coloured by action
    assert "requests = 10,000,000 (template default)" in body  # usage next to the number it produced


def test_medium_prod_create(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("prod-queue")
    repo.write("requests/payments/orders.yaml", request_yaml(name="orders", env="prod", spec="  maxReceiveCount: 5\n"))
    repo.commit()
    report, body = evaluate(repo)
    check_frame(body, report)
    assert body.splitlines()[1].startswith("## 🟡 Medium risk · needs approval from @acme/payments · +$5.20/month")
    assert "**Needs approval from @acme/payments on this exact commit; it then merges and applies by itself.**" in body
    assert "- payments/orders changes production (create aws\\_sqs\\_queue.dlq (and 7 more))" in body
    assert report.decision and report.decision.required_reviewers == ["@acme/payments"]


def test_high_prod_database_replace(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("rename-db")
    repo.edit("requests/payments/orders-db.yaml", "storageGb: 50", "storageGb: 50\n  databaseName: orders")
    repo.commit()
    report, body = evaluate(repo)
    check_frame(body, report)
    assert body.splitlines()[1].startswith("## 🟠 High risk · needs approval from @acme/platform")
    assert "payments/orders-db: replace of aws\\_db\\_instance.this, which holds data" in body
    assert "(the platform team) on this exact commit" in body
    row = next(r for r in table_rows(body) if r[0] == "<code>payments/orders-db</code>")
    assert row[6 - 1] == "1"  # one replace
    assert f"{code('aws_db_instance.this')}<br>replaced because db\\_name changed<br>holds data" in body
    assert f"{code('db_name')} | {code('app')} → {code('orders')}" in body  # one column: before → after
    assert "<details open><summary><b>payments/orders-db</b>" in body  # high-risk sections start open


def test_blocked_insecure_request(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("public")
    repo.write(
        "requests/payments/site.yaml", request_yaml(kind="ObjectBucket", name="site", spec="  publicRead: true\n")
    )
    repo.commit()
    report, body = evaluate(repo)
    check_frame(body, report)
    assert body.splitlines()[1] == "## 🔴 Blocked · 7 problem(s) to fix · +$12.30/month"
    assert "**Blocked: fix requests/payments/site.yaml:10: spec.publicRead: true is not allowed" in body
    assert f"⛔ **blocking** critical · {code('CKV_AWS_70')} · <code>rendered/payments/site/main.tf:" in body
    # each finding links its own check, at the checkov version that ran
    link = (
        "https://github.com/bridgecrewio/checkov/blob/{}/checkov/terraform/checks/resource/aws/S3AllowsAnyPrincipal.py"
    )
    assert f"[docs]({link.format(metadata.version('checkov'))})" in body
    assert "**Fix:** set spec.publicRead to false" in body
    steps = body.split("### Next step")[1]
    assert steps.count("\n1. ") == 7


def test_destroy(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("cleanup")
    repo.remove("requests/search/crawl-queue.yaml")
    repo.commit()
    report, body = evaluate(repo)
    check_frame(body, report)
    [row] = table_rows(body)
    assert row[3:7] == ["0", "0", "0", "8"]
    assert row[7] == "$5.20 → $0.00 (−$5.20)"
    assert "search/crawl-queue: delete of aws\\_sqs\\_queue.dlq (and 2 more), which holds data" in body
    assert f"{code('aws_sqs_queue.this')} (destroyed)" in body
    assert ":::delete" in body


def test_template_change_reaching_300_stacks_stays_under_the_limit(gitrepo: Callable[..., Repo]) -> None:
    files = {f"requests/payments/q{i:03d}.yaml": request_yaml(name=f"q{i:03d}") for i in range(298)}
    repo = gitrepo(files)
    repo.branch("platform")
    repo.edit(
        "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300\n  tags",
        "kms_data_key_reuse_period_seconds = 600\n  tags",
    )
    repo.commit()
    report, body = evaluate(repo, scanner=NoScan())
    assert len(report.stacks) == 300
    check_frame(body, report)
    assert body.splitlines()[1].startswith("## 🟠 High risk · needs approval from @acme/platform")
    assert len(table_rows(body)) == 300  # the table is never cut
    assert "a template change reaches 300 stacks" in body
    assert "changes platform-owned paths: templates/queue/main.tf.j2" in body
    assert re.search(
        r"the details of \d+ lower-risk stack\(s\) were left out; the full report is the "
        r"`ssops-report` artifact of this run",
        body,
    )
    long = comment.render(report, report_url="https://ci.example/run/1", limit=comment.BUDGET)
    assert "the full report is [here](https://ci.example/run/1)" in long


def test_request_text_cannot_ping_break_or_forge(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("evil")
    token = "ghp_" + "a" * 36
    cost_center = "@alice <img src=x> | [x](javascript:1)"
    env_value = f"<!-- ssops-ci:comment --> @bob {token}"
    text = request_yaml(
        kind="Function", name="evil", spec=f"  artifact: a/b.zip\n  environment:\n    NOTE: '{env_value}'\n"
    )
    repo.write("requests/payments/evil.yaml", text.replace("costCenter: CC-1042", f"costCenter: '{cost_center}'"))
    repo.commit()
    _, body = evaluate(repo)
    # the cost center reached the comment through a finding message, the env var through the diff table
    assert "metadata.costCenter" in body and "NOTE" in body
    assert body.count("<!-- ssops-ci:comment -->") == 1
    assert "@alice" not in body and "@bob" not in body and "@\u200balice" in body
    assert "<img" not in body and "&lt;img src=x&gt;" in body
    assert "[x](javascript" not in body and "\\[x\\](javascript" in body
    assert token not in body and "(redacted)" in body
    for line in body.splitlines():
        if line.startswith("| <code>payments/evil</code>"):
            assert line.count(" | ") == 9  # the row still has exactly ten cells


def test_plan_writes_the_comment_file(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ssops_ci.commands.cli import cli

    repo = gitrepo()
    repo.branch("queue")
    repo.write("requests/payments/jobs.yaml", request_yaml(name="jobs"))
    repo.commit()
    out = tmp_path / "comment.md"
    result = CliRunner().invoke(cli, ["plan", "--repo", str(repo.root), "--base", "main", "--comment", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith(comment.MARKER)
    assert "risk: low - Will merge and apply automatically" in result.stdout


def test_a_policy_document_reads_as_json_and_a_create_has_no_empty_column(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("bucket")
    repo.write("requests/payments/assets.yaml", request_yaml(kind="ObjectBucket", name="assets"))
    repo.commit()
    _, body = evaluate(repo, scanner=NoScan())
    table = body.split("| | Resource | Attribute | Value (before → after) |")[1].split("\n\n")[0]
    policy = next(line for line in table.splitlines() if "<code>policy</code>" in line)
    assert "&quot;Version&quot;: &quot;2012-10-17&quot;" in policy  # JSON, as Terraform sends it
    assert "'Version'" not in body and "jsonencode" not in policy
    assert all(line.count("|") == 5 for line in table.splitlines()[1:])  # four columns, none left empty
    assert " → " not in policy  # a create has no before


def test_a_document_that_refers_to_other_resources_is_shown_as_written() -> None:
    text = "${jsonencode({'Statement': [{'Resource': aws_kms_key.this.arn}]})}"
    assert comment.diff_pair(None, text)[1] == code(text)
    assert comment.diff_pair(None, "${jsonencode({'a': [1, 'b']})}")[1] == code('{"a": [1, "b"]}')


def test_a_resize_shows_each_component_before_and_after(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("bigger")
    repo.edit("requests/payments/orders-db.yaml", "size: small", "size: medium")
    repo.commit()
    _, body = evaluate(repo, scanner=NoScan())
    assert "| Monthly (before → after) |" in body
    # prod is Multi-AZ: db.t4g.small $0.064/h -> db.m6g.large $0.318/h
    assert "Database instance (on-demand, Multi-AZ, db.m6g.large)" in body
    assert "| $46.72 → $232.14 |" in body
    assert "CPU credits (no longer billed)" in body  # only burstable classes buy credits
    assert "| $11.50 |" in body  # storage did not change: one figure, no arrow
