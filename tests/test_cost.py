"""The estimator pinned to hand-computed figures, and the price catalog failing closed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.commands.cli import cli
from ssops_ci.config import pricing as pricebook
from ssops_ci.config.pricing import PricingError
from ssops_ci.model import fmt
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.cost import ResourceCost, Usage
from ssops_ci.model.problems import InputError
from ssops_ci.stages import tfplan
from ssops_ci.stages.cost import resource_cost, stack_cost
from ssops_ci.stages.pricers import PRICERS
from tests.conftest import PROJECT, SHARED, Repo, position_after, request_yaml
from tests.conftest import evaluate as evaluate_range
from tests.test_catalog_quality import all_stacks

PRICES = pricebook.load(WorkTree(PROJECT))
US, EU = PRICES.book("us-east-1"), PRICES.book("eu-west-1")


def created(rtype: str, attrs: dict[str, Any], book: pricebook.PriceBook = US, **usage: float) -> ResourceCost:
    change = ResourceChange(address=f"{rtype}.x", type=rtype, action="create", after=attrs)
    used = {k: Usage(v, "test") for k, v in usage.items()}
    return resource_cost(change, PRICES, (None, book), ({}, used))


def monthly(rtype: str, attrs: dict[str, Any], book: pricebook.PriceBook = US, **usage: float) -> dict[str, Any]:
    cost = created(rtype, attrs, book, **usage)
    return {c.name: c.monthly_cost for c in cost.components} | {"total": cost.monthly_after}


def test_rds_single_az_small() -> None:
    got = monthly(
        "aws_db_instance",
        {
            "engine": "postgres",
            "instance_class": "db.t4g.small",
            "multi_az": False,
            "allocated_storage": 20,
            "storage_type": "gp3",
            "manage_master_user_password": True,
        },
        backupStorageGb=10,
    )
    assert got["Database instance (on-demand, Single-AZ, db.t4g.small)"] == pytest.approx(730 * 0.032)  # 23.36
    assert got["Storage (general purpose SSD, gp3)"] == pytest.approx(20 * 0.115)  # 2.30
    assert got["Additional backup storage"] == pytest.approx(10 * 0.095)  # 0.95
    assert got["Master password secret (Secrets Manager, managed by RDS)"] == pytest.approx(0.40)
    assert got["total"] == pytest.approx(27.01)


def test_rds_multi_az_provisioned_iops() -> None:
    got = monthly(
        "aws_db_instance",
        {
            "engine": "postgres",
            "instance_class": "db.r6g.xlarge",
            "multi_az": True,
            "allocated_storage": 500,
            "storage_type": "io1",
            "iops": 3000,
        },
    )
    assert got["Database instance (on-demand, Multi-AZ, db.r6g.xlarge)"] == pytest.approx(730 * 0.898)  # 655.54
    assert got["Storage (provisioned IOPS SSD, io1)"] == pytest.approx(500 * 0.25)  # 125.00
    assert got["Provisioned IOPS"] == pytest.approx(3000 * 0.20)  # 600.00


def test_rds_gp3_iops_above_the_baseline_and_gp2_in_ireland() -> None:
    gp3 = monthly(
        "aws_db_instance",
        {
            "engine": "postgres",
            "instance_class": "db.m6g.large",
            "multi_az": False,
            "allocated_storage": 500,
            "storage_type": "gp3",
            "iops": 15000,
        },
    )
    assert gp3["Provisioned GP3 IOPS (above 12,000)"] == pytest.approx((15000 - 12000) * 0.02)  # 60.00
    assert gp3["Database instance (on-demand, Single-AZ, db.m6g.large)"] == pytest.approx(730 * 0.159)
    # the same figures Infracost prints for eu-west-1 (checked against public breakdowns)
    eu = monthly(
        "aws_db_instance",
        {
            "engine": "postgres",
            "instance_class": "db.t4g.micro",
            "multi_az": False,
            "allocated_storage": 20,
            "storage_type": "gp2",
        },
        EU,
    )
    assert eu["Database instance (on-demand, Single-AZ, db.t4g.micro)"] == pytest.approx(12.41)
    assert eu["Storage (general purpose SSD, gp2)"] == pytest.approx(2.54)


def test_elasticache_replicas() -> None:
    got = monthly(
        "aws_elasticache_replication_group",
        {"node_type": "cache.m6g.large", "num_cache_clusters": 3, "snapshot_retention_limit": 7},
    )
    assert got["ElastiCache (on-demand, cache.m6g.large, 3 nodes)"] == pytest.approx(3 * 730 * 0.149)  # 326.31
    assert got["Backup storage (beyond one snapshot per node)"] is None  # usage unknown, said so, not $0
    one = monthly("aws_elasticache_replication_group", {"node_type": "cache.t4g.small", "num_cache_clusters": 1}, EU)
    assert one["total"] == pytest.approx(730 * 0.036)


def test_s3_sqs_lambda_logs_alarms_keys_secrets() -> None:
    s3 = monthly("aws_s3_bucket", {}, storageGb=100, putRequests=1_000_000, getRequests=10_000_000)
    writes, reads = s3["Standard: PUT, COPY, POST, LIST requests"], s3["Standard: GET, SELECT and other requests"]
    assert (s3["Standard: storage"], writes, reads) == (
        pytest.approx(2.30),
        pytest.approx(5.00),
        pytest.approx(4.00),
    )
    assert monthly("aws_sqs_queue", {"fifo_queue": False}, requests=10_000_000)["total"] == pytest.approx(4.00)
    assert monthly("aws_sqs_queue", {"fifo_queue": True}, requests=10_000_000)["total"] == pytest.approx(5.00)
    fn = monthly("aws_lambda_function", {"memory_size": 512}, monthlyRequests=1_000_000, averageDurationMs=200)
    assert fn["Requests"] == pytest.approx(0.20)
    assert fn["Duration (x86, first 6B)"] == pytest.approx(1_000_000 * 0.2 * 0.5 * 0.0000166667)
    assert monthly("aws_cloudwatch_log_group", {}, logIngestionGb=10)["Data ingested"] == pytest.approx(5.00)
    assert monthly("aws_cloudwatch_log_group", {}, EU, logIngestionGb=10)["Data ingested"] == pytest.approx(5.70)
    assert monthly("aws_cloudwatch_metric_alarm", {})["total"] == pytest.approx(0.10)
    assert monthly("aws_kms_key", {})["Customer master key"] == pytest.approx(1.00)
    assert monthly("aws_secretsmanager_secret", {})["Secret"] == pytest.approx(0.40)


def test_lambda_matches_infracost_on_its_reference_plan() -> None:
    """Infracost's own golden: 100M requests of 250 ms on a 1,024 MB function cost $20.00 + $416.67."""
    plan = tfplan.loads((SHARED / "plans/infracost__example_plan.json").read_bytes())
    fn = next(c for c in plan if c.address == "aws_lambda_function.hello_world")
    cost = resource_cost(
        fn,
        PRICES,
        (None, US),
        ({}, {"monthlyRequests": Usage(100_000_000, "usage file"), "averageDurationMs": Usage(250, "usage file")}),
    )
    assert [(c.name, c.quantity, round(c.monthly_cost or 0, 2)) for c in cost.components] == [
        ("Requests", 100.0, 20.00),
        ("Duration (x86, first 6B)", 25_000_000.0, 416.67),
    ]


def test_rds_storage_price_matches_infracost_golden() -> None:
    """Infracost prices the 5 GB gp2 volumes of its v0.14 reference plan's databases at $0.58 a month."""
    golden = (SHARED / "plans/infracost_expected/breakdown_terraform_v0_14.golden").read_text()
    plan = tfplan.loads((SHARED / "plans/infracost__terraform_v0.14_plan.json").read_bytes())
    dbs = [c.after for c in plan if c.type == "aws_db_instance" and c.after]
    lines = [line for line in golden.splitlines() if "Storage (general purpose SSD, gp2)" in line and " 5  GB" in line]
    assert len(dbs) == len(lines) == 2
    assert sorted(db["storage_type"] for db in dbs) == ["(known after apply)", "gp2"]
    for db, line in zip(dbs, lines, strict=True):
        # One is an update with gp2; the new one's type is known only after apply: both sides assume gp2.
        assert db["storage_type"] in ("gp2", "(known after apply)")
        # The catalog prices Postgres only; the engine does not change the storage price.
        ours = monthly("aws_db_instance", {**db, "engine": "postgres", "instance_class": "db.t4g.micro"})
        assert fmt.money(ours["Storage (general purpose SSD, gp2)"]) == line.split()[-1] == "$0.58"


def test_destroy_costs_nothing_after() -> None:
    before = {
        "engine": "postgres",
        "instance_class": "db.t4g.small",
        "multi_az": False,
        "allocated_storage": 20,
        "storage_type": "gp3",
    }
    changes = [
        ResourceChange(address="aws_db_instance.this", type="aws_db_instance", action="delete", before=before),
        ResourceChange(address="aws_kms_key.this", type="aws_kms_key", action="delete", before={}),
    ]
    cost = stack_cost(changes, PRICES, (US, None), (None, None), (None, None))
    assert (cost.monthly_before, cost.monthly_after, cost.monthly_delta) == (26.66, 0.0, -26.66)
    assert cost.resources[0].monthly_after is None and cost.resources[0].components  # shows what goes away


def test_unknown_values_are_not_zero() -> None:
    got = monthly(
        "aws_db_instance",
        {"engine": "postgres", "instance_class": "(known after apply)", "allocated_storage": "${var.size}"},
    )
    assert got["Database instance (on-demand, Single-AZ)"] is None
    assert got["Storage (general purpose SSD, gp2)"] is None


@pytest.mark.parametrize(
    ("rtype", "attrs", "name", "why"),
    [
        (
            "aws_db_instance",
            {"engine": "(known after apply)", "instance_class": "db.t4g.small", "allocated_storage": 20},
            "Database instance (on-demand, Single-AZ)",
            "the instance class or engine is known only after apply",
        ),
        (
            "aws_elasticache_replication_group",
            {"node_type": "(known after apply)", "num_cache_clusters": 2},
            "ElastiCache (on-demand)",
            "the node type is known only after apply",
        ),
    ],
)
def test_a_price_that_depends_on_an_unknown_value_is_shown_and_counted(
    rtype: str, attrs: dict[str, Any], name: str, why: str
) -> None:
    cost = created(rtype, attrs)
    [comp] = [c for c in cost.components if c.name == name]
    assert (comp.quantity, comp.unit_price, comp.monthly_cost, comp.usage) == (None, None, None, why)
    assert cost.unknown_components >= 1


def test_an_unknown_storage_type_is_priced_as_the_providers_default() -> None:
    attrs = {"engine": "postgres", "instance_class": "db.t4g.small", "allocated_storage": 100}
    unknown = created("aws_db_instance", {**attrs, "storage_type": "(known after apply)"})
    [storage] = [c for c in unknown.components if c.name.startswith("Storage")]
    assert (storage.name, storage.monthly_cost) == ("Storage (general purpose SSD, gp2)", pytest.approx(11.50))
    assert storage.usage == "storage type known only after apply; priced as gp2, the provider's default"
    io1 = monthly("aws_db_instance", {**attrs, "iops": 1000})
    assert io1["Storage (provisioned IOPS SSD, io1)"] == pytest.approx(12.50)
    assert monthly("aws_db_instance", attrs)["Storage (general purpose SSD, gp2)"] == pytest.approx(11.50)


def test_every_rendered_resource_type_is_priced_or_free() -> None:
    seen = {r.type for _, s in all_stacks() for r in s.resources if r.mode == "managed"}
    unpriced = sorted(t for t in seen if t not in PRICERS and t not in PRICES.billing and t not in PRICES.free)
    assert unpriced == []
    assert len(seen) >= 25


def test_missing_price_fails_closed() -> None:
    with pytest.raises(
        PricingError,
        match=r"policies/pricing/us-east-1.yaml: prices.rds_instance_hour.values."
        r"postgres.single-az.db.x9.huge is missing",
    ):
        monthly("aws_db_instance", {"engine": "postgres", "instance_class": "db.x9.huge", "allocated_storage": 20})
    with pytest.raises(PricingError, match="no prices for region 'ap-nowhere-1'"):
        PRICES.book("ap-nowhere-1")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("db.t4g.small: 0.032", "db.t4g.small: -0.032"),
            "policies/pricing/us-east-1.yaml:{db.t4g.small: }: prices.rds_instance_hour.values.postgres.single-az."
            "db.t4g.small must be a non-negative price (got -0.032)",
        ),
        (
            (
                "  kms_key_month: {source: kms, unit: keys, values: 1.00}\n",
                "  kms_key_month: {source: kms, unit: keys}\n",
            ),
            "prices.kms_key_month.values: required field is missing",
        ),
        (
            ("lambda_1m_requests: {source: lambda,", "lambda_1m_requests: {source: lambdas,"),
            "prices.lambda_1m_requests.source 'lambdas' is not listed under sources",
        ),
        (("region: us-east-1", "region: us-east-2"), "region 'us-east-2' does not match the file name 'us-east-1'"),
    ],
)
def test_broken_price_file_is_a_clear_error(
    make_repo: Callable[..., Path], edit: tuple[str, str], expected: str
) -> None:
    root = make_repo()
    path = root / "policies/pricing/us-east-1.yaml"
    text = path.read_text()
    assert edit[0] in text
    expected = expected.replace("{db.t4g.small: }", position_after(path, "db.t4g.small: "))
    path.write_text(text.replace(edit[0], edit[1]))
    with pytest.raises(InputError) as e:
        pricebook.load(WorkTree(root))
    assert any(expected in str(p) for p in e.value.problems), e.value.problems


def evaluate(repo: Repo) -> Any:
    return evaluate_range(repo.root, "main", "HEAD", today=dt.date(2026, 11, 22))


@pytest.mark.slow
def test_report_carries_cost_and_team_budget(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.edit("policies/teams.yaml", "monthly_budget_usd: 3000", "monthly_budget_usd: 200")
    repo.commit("tight budget", render=False)
    repo.branch("bigger")
    repo.edit("requests/payments/orders-db.yaml", "size: small", "size: medium")
    repo.commit()
    report = evaluate(repo)
    s = report.stack("payments/orders-db")
    assert s.cost is not None
    # Multi-AZ db.t4g.small -> db.m6g.large: 730 * (0.318 - 0.064)
    assert s.cost.monthly_delta == pytest.approx(730 * (0.318 - 0.064), abs=0.01)
    assert (report.cost.monthly_before, report.cost.monthly_after) == (s.cost.monthly_before, s.cost.monthly_after)
    team = report.teams["payments"]
    assert team["budget"] == 200 and team["monthly_after"] > 200 > team["monthly_before"]
    [budget] = [f for f in s.findings if f.check_id == "guardrail.budget"]
    assert budget.blocking and "against a budget of $200.00" in budget.message
    doc = json.loads(report.to_json())
    assert set(doc["stacks"][0]["cost"]) >= {
        "monthly_before",
        "monthly_after",
        "monthly_delta",
        "currency",
        "resources",
    }
    assert set(doc["cost"]) == {"monthly_before", "monthly_after", "monthly_delta", "currency"}


@pytest.mark.slow
def test_missing_price_marks_the_stack_error_not_zero(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.edit("policies/pricing/us-east-1.yaml", "          db.m6g.large: 0.318\n", "")
    repo.commit("drop a price", render=False)
    repo.branch("bigger")
    repo.edit("requests/payments/orders-db.yaml", "size: small", "size: medium")
    repo.write("requests/payments/q1.yaml", request_yaml(name="q1"))
    repo.commit()
    report = evaluate(repo)
    s = report.stack("payments/orders-db")
    assert s.status == "error" and s.cost is None
    assert "prices.rds_instance_hour.values.postgres.multi-az.db.m6g.large is missing" in (s.error or "")
    assert any(f.check_id == "ssops.cost-error" and f.blocking for f in s.findings)
    assert report.stack("payments/q1").cost is not None  # the others are still priced


def test_cost_command_breakdown() -> None:
    result = CliRunner().invoke(cli, ["cost", "--json", "--repo", str(PROJECT)])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc["teams"]) == {"payments", "search"}
    assert doc["monthly"] == pytest.approx(sum(t["monthly"] for t in doc["teams"].values()))
    db = next(s for s in doc["stacks"] if s["id"] == "payments/orders-db")
    assert db["region"] == "us-east-1" and db["not_priced"] == 0
    text = CliRunner().invoke(cli, ["cost", "--repo", str(PROJECT), str(PROJECT / "requests/payments/orders-db.yaml")])
    assert "Database instance (on-demand, Multi-AZ, db.t4g.small)" in text.stdout
    assert "payments" in text.stdout and "search" not in text.stdout.split("teams")[1]


def test_usage_the_catalog_does_not_guess_is_shown_as_depending_on_it() -> None:
    """RDS backup storage beyond the free allowance depends on how the data changes: never a silent $0."""
    from ssops_ci.config.setup import load as load_setup
    from ssops_ci.stages.cost import usage_for

    kind = load_setup(WorkTree(PROJECT)).catalog.get("PostgresDatabase")
    attrs = {
        "engine": "postgres",
        "instance_class": "db.t4g.small",
        "allocated_storage": 20,
        "storage_type": "gp3",
        "backup_retention_period": 7,
    }
    change = ResourceChange(address="aws_db_instance.this", type="aws_db_instance", action="create", after=attrs)
    unstated = resource_cost(change, PRICES, (None, US), ({}, usage_for(kind, None, "aws_db_instance.this")))
    [backup] = [c for c in unstated.components if c.name == "Additional backup storage"]
    assert backup.monthly_cost is None and backup.usage is not None and "depends on usage" in backup.usage
    assert unstated.unknown_components >= 1
    stated = usage_for(kind, {"backupStorageGb": 50}, "aws_db_instance.this")
    priced = resource_cost(change, PRICES, (None, US), ({}, stated))
    [backup] = [c for c in priced.components if c.name == "Additional backup storage"]
    assert backup.monthly_cost == pytest.approx(50 * 0.095)


def test_io1_is_billed_for_its_minimum_storage_and_iops() -> None:
    """Infracost's golden (mysql-iops-below-min): 50 GB / 500 IOPS of io1 bill as 100 GB and 1,000 IOPS."""
    attrs = {"engine": "postgres", "instance_class": "db.t4g.small", "storage_type": "io1", "allocated_storage": 50}
    got = monthly("aws_db_instance", {**attrs, "iops": 500})
    assert got["Storage (provisioned IOPS SSD, io1)"] == pytest.approx(12.50)
    assert got["Provisioned IOPS"] == pytest.approx(100.00)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2028, 2, 29), None),  # PostgreSQL 15 still in standard support
        (dt.date(2028, 3, 1), ("Extended support (year 1)", 2 * 730 * 0.100)),  # $146.00, as Infracost's golden
        (dt.date(2030, 3, 1), ("Extended support (year 3)", 2 * 730 * 0.200)),
    ],
)
def test_extended_support_is_billed_from_the_day_standard_support_ends(
    as_of: dt.date, expected: tuple[str, float] | None
) -> None:
    from dataclasses import replace

    attrs = {"engine": "postgres", "engine_version": "15", "instance_class": "db.t4g.small", "allocated_storage": 20}
    cost = created("aws_db_instance", attrs, replace(US, as_of=as_of))
    found = [(c.name, c.monthly_cost) for c in cost.components if c.name.startswith("Extended support")]
    assert found == ([] if expected is None else [(expected[0], pytest.approx(expected[1]))])


def test_extended_support_without_a_price_fails_closed() -> None:
    """eu-west-1 has no Extended Support price yet: a database that needs one is an error, never $0."""
    from dataclasses import replace

    attrs = {"engine": "postgres", "engine_version": "13.7", "instance_class": "db.t4g.small", "allocated_storage": 20}
    with pytest.raises(PricingError, match="rds_extended_support_vcpu_hour is missing"):
        created("aws_db_instance", attrs, replace(EU, as_of=dt.date(2026, 12, 3)))


def test_performance_insights_long_term_retention_and_burstable_credits() -> None:
    attrs = {
        "engine": "postgres",
        "instance_class": "db.t4g.small",
        "allocated_storage": 20,
        "performance_insights_enabled": True,
    }
    free = created("aws_db_instance", attrs)
    names = [c.name for c in free.components]
    assert "Performance Insights API" in names and "CPU credits" in names
    assert not any("long-term retention" in n for n in names)  # 7 days are free
    credits = monthly("aws_db_instance", attrs, cpuCreditVcpuHours=100)["CPU credits"]
    assert credits == pytest.approx(100 * 0.075)
    # long-term retention is billed per vCPU; the catalog has no price for it yet, so it fails closed
    with pytest.raises(PricingError, match="rds_pi_retention_vcpu_month is missing"):
        created("aws_db_instance", {**attrs, "performance_insights_retention_period": 731})


def test_a_lifecycle_rule_moves_storage_to_standard_ia_prices() -> None:
    """Objects in Standard-IA cost $0.0125 a GB, not Standard's $0.023 (Infracost: 30,000 GB = $375.00)."""
    rule = {"rule": [{"status": "Enabled", "transition": [{"days": 30, "storage_class": "STANDARD_IA"}]}]}
    got = monthly("aws_s3_bucket_lifecycle_configuration", rule, infrequentAccessStorageGb=30_000)
    assert got["Standard-IA: storage"] == pytest.approx(375.00)
    off = monthly("aws_s3_bucket_lifecycle_configuration", {"rule": [{**rule["rule"][0], "status": "Disabled"}]})
    assert off == {"total": 0.0}
