"""Static planning end to end on real git repositories."""

from __future__ import annotations

from collections.abc import Callable

from ssops_ci.model.change import MASK
from ssops_ci.model.report import Report
from tests.conftest import Repo, plan_report, request_yaml


def plan(repo: Repo, base: str = "main", head: str = "HEAD") -> Report:
    return plan_report(repo.root, base, head, engine="static")


def actions(report: Report, stack: str) -> dict[str, str]:
    return {c.address: c.action for c in report.stack(stack).changes if c.action != "no-op"}


def test_added_request_creates_everything(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.write("requests/payments/jobs.yaml", request_yaml())
    repo.commit()
    report = plan(repo)
    s = report.stack("payments/jobs")
    assert (s.reason, s.status, s.kind, s.team, s.environment) == ("request-added", "ok", "Queue", "payments", "dev")
    assert s.template_version == {"before": None, "after": "1.0.0"}
    assert set(actions(report, "payments/jobs").values()) == {"create"}
    queue = next(c for c in s.changes if c.address == "aws_sqs_queue.this")
    assert queue.diff["name"].after == "acme-payments-jobs-dev"
    assert queue.diff["tags"].after["team"] == "payments"  # local.tags is resolved
    assert s.counts == {"create": 8, "update": 0, "replace": 0, "delete": 0}


def test_in_place_update_and_tag_change(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.edit("requests/payments/orders-db.yaml", "storageGb: 50", "storageGb: 100")
    repo.edit("requests/payments/orders-db.yaml", "Orders service primary database", "Orders DB")
    repo.commit()
    report = plan(repo)
    db = next(c for c in report.stack("payments/orders-db").changes if c.address == "aws_db_instance.this")
    assert db.action == "update"
    assert db.diff["allocated_storage"].before == 50 and db.diff["allocated_storage"].after == 100
    assert db.diff["tags"].after["description"] == "Orders DB"
    assert db.holds_data is True
    # every tagged resource picks up the new description tag
    assert actions(report, "payments/orders-db")["aws_security_group.this"] == "update"


def test_force_new_attribute_means_replace(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.write(
        "requests/search/crawl-queue.yaml",
        (repo.root / "requests/search/crawl-queue.yaml")
        .read_text()
        .replace("visibilityTimeoutSeconds: 300", "visibilityTimeoutSeconds: 300\n  fifo: true"),
    )
    repo.edit("requests/search/ranking-db.yaml", "storageGb: 20", "storageGb: 20\n  databaseName: ranking")
    repo.commit()
    report = plan(repo)
    q = next(c for c in report.stack("search/crawl-queue").changes if c.address == "aws_sqs_queue.this")
    assert q.action == "replace"
    assert q.replace_because == ["fifo_queue", "name"]
    db = next(c for c in report.stack("search/ranking-db").changes if c.address == "aws_db_instance.this")
    assert (db.action, db.replace_because) == ("replace", ["db_name"])
    assert db.diff["db_name"].before == "app" and db.diff["db_name"].after == "ranking"


def test_deleted_request_destroys_what_the_base_had(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.remove("requests/search/query-cache.yaml")
    repo.commit()
    s = plan(repo).stack("search/query-cache")
    assert s.reason == "request-deleted" and s.status == "ok"
    assert {c.action for c in s.changes} == {"delete"}
    assert len(s.changes) == 11
    assert s.drift == []  # the PR removed rendered/ too
    secret = next(c for c in s.changes if c.address == "aws_secretsmanager_secret_version.auth")
    assert secret.diff["secret_string"].before == MASK  # declared sensitive in template.yaml


def test_template_change_shows_its_blast_radius(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform")
    repo.edit(
        "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300\n  tags",
        "kms_data_key_reuse_period_seconds = 600\n  tags",
    )
    repo.commit()
    report = plan(repo)
    assert [s.id for s in report.stacks] == ["payments/refund-events", "search/crawl-queue"]
    for s in report.stacks:
        assert s.reason == "template-changed"
        assert actions(report, s.id) == {"aws_sqs_queue.dlq": "update"}
        assert s.drift == []


def test_template_change_without_rerender_is_drift(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform")
    repo.edit(
        "templates/queue/main.tf.j2",
        "message_retention_seconds         = 1209600",
        "message_retention_seconds         = 86400",
    )
    repo.commit(render=False)
    s = plan(repo).stack("search/crawl-queue")
    assert s.reasons == ["drift", "template-changed"]
    assert s.drift == ["rendered/search/crawl-queue/main.tf: stale: out of date with its request or template"]


def test_hand_edit_in_rendered_is_drift_with_no_changes(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("sneaky")
    repo.edit("rendered/payments/receipts/main.tf", "block_public_acls       = true", "block_public_acls       = false")
    repo.commit(render=False)
    s = plan(repo).stack("payments/receipts")
    assert (s.reason, s.status) == ("drift", "ok")
    assert s.drift == [
        "rendered/payments/receipts/main.tf: hand-edited: edited by hand (its checksum no longer matches)"
    ]
    assert actions(plan(repo), "payments/receipts") == {}


def test_invalid_request_is_an_error_and_others_still_plan(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.write("requests/payments/bad.yaml", request_yaml(name="bad", spec="  fifo: perhaps\n"))
    repo.write("requests/payments/good.yaml", request_yaml(name="good"))
    repo.commit(render=False)
    report = plan(repo)
    bad = report.stack("payments/bad")
    assert bad.status == "error" and bad.changes == []
    assert bad.error == (
        "payments/bad: requests/payments/bad.yaml:10:9: spec.fifo: Input should be a valid boolean (got 'perhaps')\n"
        "fix: correct requests/payments/bad.yaml"
    )
    good = report.stack("payments/good")
    assert good.status == "ok" and good.counts["create"] == 8
    assert good.drift  # not rendered: stale rendered/ is drift


def test_broken_template_at_head_errors_only_its_stacks(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform")
    repo.edit("templates/queue/main.tf.j2", "{{ spec.maxReceiveCount }}", "{{ spec.maxReceiveCountt }}")
    repo.write("requests/payments/db2.yaml", request_yaml(kind="PostgresDatabase", name="db2"))
    repo.commit(render=False)
    report = plan(repo)
    q = report.stack("search/crawl-queue")
    assert q.status == "error"
    assert "templates/queue/main.tf.j2:" in (q.error or "") and "maxReceiveCountt" in (q.error or "")
    assert report.stack("payments/db2").status == "ok"


def test_rename_destroys_the_old_stack_and_creates_the_new(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.git("mv", "requests/search/crawl-queue.yaml", "requests/search/crawler.yaml")
    repo.edit("requests/search/crawler.yaml", "name: crawl-queue", "name: crawler")
    repo.commit()
    report = plan(repo)
    assert set(actions(report, "search/crawl-queue").values()) == {"delete"}
    assert set(actions(report, "search/crawler").values()) == {"create"}
    assert report.stack("search/crawler").renamed_from == "requests/search/crawl-queue.yaml"


def test_a_pr_cannot_allow_itself_a_provider(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("evil-provider")
    repo.edit("policies/platform.yaml", "  - hashicorp/random\n", "  - hashicorp/random\n  - evilcorp/miner\n")
    repo.edit(
        "templates/_shared/versions.tf.j2",
        '{% if "random" in providers %}',
        '    miner = {\n      source = "evilcorp/miner"\n    }\n{% if "random" in providers %}',
    )
    repo.commit()
    report = plan(repo)
    assert report.stacks and all(s.status == "error" for s in report.stacks)
    assert "provider 'evilcorp/miner' is not in policies/platform.yaml allowed_providers" in (
        report.stacks[0].error or ""
    )
