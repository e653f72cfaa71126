"""Real `terraform show -json` plans produced by other projects (format 0.1 to 1.2)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ssops_ci.model.change import MASK, UNKNOWN
from ssops_ci.model.problems import PlanError
from ssops_ci.model.stack import ResourceType
from ssops_ci.stages import tfplan
from tests.conftest import SHARED

PLANS = SHARED / "plans"
# Managed-resource actions per file, from plans/SOURCES.md (data-source reads are not changes).
EXPECTED = {
    "infracost__terraform_v0.14_plan.json": {"create": 12, "update": 1, "no-op": 13},
    "infracost__plan_with_target.json": {"update": 1},
    "infracost__example_plan.json": {"create": 5},
    "terraform-compliance__test_issue_522__plan.out.json": {"delete": 2, "update": 1, "create": 5, "no-op": 7},
    "checkov__plan_change_keys__tfplan.json": {"update": 2},
    "checkov__plan_with_deleted_resources__tfplan.json": {"replace": 1},
    "checkov__plan_with_for_each_for_enrichment__tf_plan.json": {"create": 5},
    "checkov__example_GithubActionsOIDCTrustPolicy__tfplan.json": {"create": 5},
    "terraform-json__action_reason__plan.json": {"replace": 1},
    "terraform-json__config_resource_depends_on__plan.json": {"replace": 1, "no-op": 1},
}


def load(name: str, types: dict[str, ResourceType] | None = None) -> list:  # type: ignore[type-arg]
    return tfplan.loads((PLANS / name).read_bytes(), types)


def test_every_shared_plan_is_covered() -> None:
    assert {p.name for p in PLANS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_actions_match_the_source_table(name: str) -> None:
    assert Counter(c.action for c in load(name)) == EXPECTED[name]


def test_update_diff_is_attribute_level() -> None:
    [change] = load("infracost__plan_with_target.json")
    assert change.address == "aws_instance.web_app_1"
    assert change.diff["instance_type"].before == "t3.micro"
    assert change.diff["instance_type"].after == "t3.small"
    assert "ami" not in change.diff


def test_modules_count_and_for_each_addresses() -> None:
    addresses = [c.address for c in load("infracost__terraform_v0.14_plan.json")]
    assert any(a.startswith("module.") and "module." in a[7:] for a in addresses)
    assert any("[" in a for a in addresses)


def test_replace_because_tainted() -> None:
    [change] = load("terraform-json__action_reason__plan.json")
    assert change.action == "replace"
    assert change.replace_because == ["(tainted)"]


def test_replace_without_reason_falls_back_to_force_new_declarations() -> None:
    changes = load(
        "terraform-json__config_resource_depends_on__plan.json",
        {"null_resource": ResourceType(force_new=["triggers"])},
    )
    replaced = next(c for c in changes if c.action == "replace")
    assert replaced.address == "null_resource.bar"
    assert replaced.replace_because == ["triggers"]
    assert replaced.diff["id"].after == UNKNOWN


def test_create_before_destroy_with_null_before() -> None:
    [change] = load("checkov__plan_with_deleted_resources__tfplan.json")
    assert change.action == "replace" and change.type == "aws_secretsmanager_secret"


def test_sensitive_values_are_masked() -> None:
    name = "terraform-compliance__test_issue_522__plan.out.json"
    changes = {c.address: c for c in load(name)}
    assert changes["aws_ssm_parameter.lambda_sg_id"].diff["value"].after == MASK  # sensitive and unknown
    # Terraform leaves this sensitive value out of `after`; put one in to prove it would be masked.
    raw = json.loads((PLANS / name).read_text())
    rc = next(rc for rc in raw["resource_changes"] if rc["address"] == "aws_lambda_function.lambda")
    rc["change"]["after"]["environment"][0]["variables"]["EVENT_BUS_ARN"] = "arn:aws:events:secret-bus"
    lam = next(c for c in tfplan.parse(raw) if c.address == "aws_lambda_function.lambda")
    variables = lam.diff["environment"].after[0]["variables"]
    assert variables["EVENT_BUS_ARN"] == MASK
    assert variables["LOG_LEVEL"] == "WARNING"
    assert "secret-bus" not in json.dumps(lam.model_dump()) + json.dumps(lam.after)


def test_declared_sensitive_attributes_are_masked_too() -> None:
    changes = load("infracost__example_plan.json", {"aws_instance": ResourceType(sensitive=["ami"])})
    inst = next(c for c in changes if c.type == "aws_instance")
    assert inst.diff["ami"].after == MASK


def test_destroy_has_no_after() -> None:
    deleted = [c for c in load("terraform-compliance__test_issue_522__plan.out.json") if c.action == "delete"]
    assert deleted and all(c.after is None and all(d.after is None for d in c.diff.values()) for c in deleted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{not json", "plan file is not valid JSON"),
        (b'{"resource_changes": []}', "not a Terraform JSON plan"),
        (b'{"format_version": "2.0"}', "newer than this ssops-ci understands"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "x"}]}', "malformed at resource_changes[0]"),
        (
            b'{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", '
            b'"change": {"actions": ["explode"]}}]}',
            "unknown plan actions",
        ),
    ],
)
def test_corrupt_plans_are_clear_errors(text: bytes, message: str) -> None:
    with pytest.raises(PlanError, match=message.replace("[", r"\[").replace("]", r"\]")):
        tfplan.loads(text)


def test_truncated_real_plan(tmp_path: Path) -> None:
    data = (PLANS / "infracost__example_plan.json").read_bytes()
    with pytest.raises(PlanError, match="truncated or corrupt"):
        tfplan.loads(data[: len(data) // 2])
