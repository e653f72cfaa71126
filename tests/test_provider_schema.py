"""Renderings checked against the aws provider's schema: the catalog is clean, a template typo is a finding."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from ssops_ci.adapters import aws_reference
from ssops_ci.model.stack import Resource
from ssops_ci.stages import limits, schema
from tests.conftest import Repo, request_yaml
from tests.test_catalog_quality import all_stacks
from tests.test_cli_plan import run


def _resource(rtype: str, attrs: dict, mode: str = "managed") -> Resource:
    return Resource(address=f"{rtype}.x", type=rtype, mode=mode, file="rendered/a/b/main.tf", line=1, attrs=attrs)


def test_every_rendering_of_every_kind_passes_the_provider_schema() -> None:
    schemas = aws_reference.provider_schemas()
    checked, problems = 0, []
    for _, stack in all_stacks():
        checked += len(stack.resources)
        problems += [f"{stack.id}: {p.message}" for p in schema.check(stack.resources, schemas)]
    assert checked > 100
    assert problems == []


def test_what_the_schema_check_finds() -> None:
    schemas = aws_reference.provider_schemas()
    cases = {
        "unknown": _resource(
            "aws_db_instance", {"instance_class": "db.t4g.micro", "deletion_protection_enabeld": True}
        ),
        "computed": _resource("aws_sqs_queue", {"arn": "x"}),
        "missing": _resource("aws_kms_alias", {}),
        "type": _resource("aws_sqs_queue", {"delay_seconds": "soon", "fifo_queue": "yes", "tags": ["a"]}),
        "blocks": _resource(
            "aws_s3_bucket_versioning", {"bucket": "b", "versioning_configuration": [{"status": "Enabled"}] * 2}
        ),
        "type name": _resource("aws_sqs_queues", {}),
        "expression": _resource("aws_sqs_queue", {"delay_seconds": "${var.delay}", "count": 2, "lifecycle": {}}),
        "data": _resource("aws_sns_topic", {"name": "alarms"}, mode="data"),
    }
    found = {k: [p.message for p in schema.check([r], schemas)] for k, r in cases.items()}
    assert found["unknown"] == [
        "aws_db_instance.x: `deletion_protection_enabeld` is not an argument or block of this resource in the "
        "provider schema; did you mean `deletion_protection`?"
    ]
    assert found["computed"] == ["aws_sqs_queue.x: `arn` is set by AWS (computed only); it cannot be set in a template"]
    assert found["missing"] == ["aws_kms_alias.x: required argument `target_key_id` is missing"]
    assert found["type"] == [
        "aws_sqs_queue.x: `delay_seconds` must be a number, got 'soon'",
        "aws_sqs_queue.x: `fifo_queue` must be true or false, got 'yes'",
        "aws_sqs_queue.x: `tags` must be a map, got ['a']",
    ]
    assert found["blocks"] == [
        "aws_s3_bucket_versioning.x.versioning_configuration: at most 1 block(s) allowed, found 2"
    ]
    assert found["type name"] == [
        "aws_sqs_queues.x: `aws_sqs_queues` is not a type the provider knows; did you mean `aws_sqs_queue`?"
    ]
    assert found["expression"] == [] and found["data"] == []


def test_a_template_typo_blocks_the_plan_at_the_template_line(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    repo = gitrepo({"requests/payments/q0.yaml": request_yaml(name="q0")})
    repo.branch("platform")
    repo.edit("templates/queue/main.tf.j2", "  delay_seconds ", "  delay_secnds ")
    repo.commit()
    template = (repo.root / "templates/queue/main.tf.j2").read_text().splitlines()
    line = next(i for i, text in enumerate(template, 1) if text.startswith('resource "aws_sqs_queue" "this"'))
    out = tmp_path / "plan.json"
    run("plan", "--repo", str(repo.root), "--base", "main", "--json", str(out))
    stack = next(s for s in json.loads(out.read_text())["stacks"] if s["id"] == "payments/q0")
    [finding] = [f for f in stack["findings"] if f["check_id"] == "ssops.provider-schema"]
    assert finding["blocking"] and finding["source"] == "catalog"
    assert (finding["file"], finding["line"]) == ("templates/queue/main.tf.j2", line)
    assert (
        "`delay_secnds` is not an argument" in finding["message"]
        and "did you mean `delay_seconds`?" in finding["message"]
    )
    assert stack["risk"]["tier"] == "blocked"


# ----------------------------------------------------------------------------- AWS value limits

TODAY = dt.date(2026, 12, 3)


def test_every_rendering_of_every_kind_is_within_the_aws_limits() -> None:
    table = aws_reference.value_limits()
    assert all(limit.source.startswith("https://docs.aws.amazon.com/") for limit in table)
    problems = [
        f"{stack.id}: {why}"
        for _, stack in all_stacks()
        for r in stack.resources
        for _, why, _ in limits.violations(r, table, TODAY)
    ]
    assert problems == []


def test_what_the_aws_limits_find() -> None:
    table = aws_reference.value_limits()

    def found(rtype: str, attrs: dict, today: dt.date = TODAY) -> list[tuple[str, str, bool]]:
        return [
            (limit.id, why, blocking)
            for limit, why, blocking in limits.violations(_resource(rtype, attrs), table, today)
        ]

    assert found("aws_sqs_queue", {"delay_seconds": 901, "message_retention_seconds": "${var.x}"}) == [
        ("sqs-delay", "901 is above the maximum 900", True)
    ]
    assert found("aws_cloudwatch_log_group", {"retention_in_days": 45}) == [
        (
            "log-retention",
            "45 is not one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, "
            "2192, 2557, 2922, 3288, 3653",
            True,
        )
    ]
    lifecycle = {"rule": {"expiration": {"days": 30}, "transition": {"days": 30, "storage_class": "STANDARD_IA"}}}
    assert found("aws_s3_bucket_lifecycle_configuration", lifecycle) == [
        ("s3-expiration-after-transition", "30 must be greater than transition.days (30)", True)
    ]
    lifecycle["rule"]["expiration"]["days"] = 31
    assert found("aws_s3_bucket_lifecycle_configuration", lifecycle) == []
    # retired runtimes block; one retiring within a year warns; the rest pass
    assert found("aws_lambda_function", {"runtime": "nodejs20.x"}) == [
        ("lambda-runtime", "'nodejs20.x' was retired on 2026-04-30", True)
    ]
    assert found("aws_lambda_function", {"runtime": "nodejs22.x"}) == [
        ("lambda-runtime", "'nodejs22.x' will be retired on 2027-04-30", False)
    ]
    assert found("aws_lambda_function", {"runtime": "python3.13", "reserved_concurrent_executions": 950}) == [
        ("lambda-reserved-concurrency", "950 is above the maximum 900", True)
    ]


def test_an_out_of_limit_request_value_blocks_the_plan(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    spec = "  expireAfterDays: 20\n  infrequentAccessAfterDays: 10\n"
    repo = gitrepo({"requests/payments/media.yaml": request_yaml(kind="ObjectBucket", name="media")})
    repo.branch("feature")
    repo.write("requests/payments/media.yaml", request_yaml(kind="ObjectBucket", name="media", spec=spec))
    repo.commit()
    out = tmp_path / "plan.json"
    run("plan", "--repo", str(repo.root), "--base", "main", "--json", str(out))
    stack = next(s for s in json.loads(out.read_text())["stacks"] if s["id"] == "payments/media")
    [finding] = [f for f in stack["findings"] if f["check_id"] == "ssops.aws-limit.s3-expiration-after-transition"]
    assert finding["blocking"] and finding["file"] == "templates/object-bucket/main.tf.j2"
    assert finding["link"].startswith("https://docs.aws.amazon.com/AmazonS3/")
    assert "rule.expiration.days: 20 must be greater than transition.days (30)" in finding["message"]
