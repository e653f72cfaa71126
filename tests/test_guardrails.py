"""Each guardrail firing and passing, on requests validated the way the pipeline does."""

from __future__ import annotations

import datetime as dt

import pytest

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import guardrails as guardrails_config
from ssops_ci.config.guardrails import Guardrails
from ssops_ci.config.setup import Setup
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.finding import Finding
from ssops_ci.model.request import Request
from ssops_ci.stages import guardrails, validate, waivers
from tests.conftest import PROJECT, request_yaml

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def g() -> Setup:
    return load_setup(WorkTree(PROJECT))


@pytest.fixture(scope="module")
def rails() -> Guardrails:
    return guardrails_config.load(WorkTree(PROJECT))


def req(g: Setup, text: str, path: str = "requests/payments/x1.yaml") -> Request:
    return validate.parse(path, text.encode(), g.catalog, g.teams)


def ids(findings: list[Finding]) -> list[str]:
    return [f.check_id for f in findings]


@pytest.mark.parametrize(
    ("kind", "env", "spec", "fires"),
    [
        ("PostgresDatabase", "dev", "  size: small\n", None),
        ("PostgresDatabase", "dev", "  size: medium\n", "guardrail.param.dev.PostgresDatabase.size"),
        ("PostgresDatabase", "staging", "  size: medium\n", None),
        ("PostgresDatabase", "dev", "  storageGb: 100\n", None),
        ("PostgresDatabase", "dev", "  storageGb: 101\n", "guardrail.param.dev.PostgresDatabase.storageGb"),
        ("RedisCache", "prod", "  replicas: 1\n", None),
        ("RedisCache", "prod", "  replicas: 0\n", "guardrail.param.prod.RedisCache.replicas"),
        ("ObjectBucket", "dev", "  publicRead: false\n", None),
        ("ObjectBucket", "staging", "  publicRead: true\n", "guardrail.param.all.ObjectBucket.publicRead"),
        ("Queue", "prod", "  maxReceiveCount: 2\n", "guardrail.param.prod.Queue.maxReceiveCount"),
        ("Queue", "dev", "  maxReceiveCount: 2\n", None),
    ],
)
def test_parameter_rules(g: Setup, rails: Guardrails, kind: str, env: str, spec: str, fires: str | None) -> None:
    r = req(g, request_yaml(kind=kind, name="x1", env=env, spec=spec))
    found = guardrails.request_findings(r, "payments/x1", rails)
    assert ids(found) == ([fires] if fires else [])
    for f in found:
        assert f.blocking and f.file == "requests/payments/x1.yaml" and f.line == 10


def test_parameter_message_says_what_to_do(g: Setup, rails: Guardrails) -> None:
    r = req(g, request_yaml(kind="PostgresDatabase", name="x1", spec="  size: large\n"))
    [f] = guardrails.request_findings(r, "payments/x1", rails)
    assert f.message == "spec.size: large is not allowed for PostgresDatabase in dev (allowed: small)"
    assert f.remediation == "dev databases are small; use staging to load-test"


def test_metadata_and_naming(g: Setup, rails: Guardrails) -> None:
    text = request_yaml(name="admin-db").replace("CC-1042", "finance")
    found = guardrails.request_findings(req(g, text, "requests/payments/admin-db.yaml"), "payments/admin-db", rails)
    assert ids(found) == ["guardrail.metadata.costCenter", "guardrail.naming.reserved"]
    assert found[0].line == 7 and found[1].line == 4


def test_quota(g: Setup, rails: Guardrails) -> None:
    team = [
        req(g, request_yaml(kind="PostgresDatabase", name=f"db{i}", env="prod"), f"requests/payments/db{i}.yaml")
        for i in range(4)
    ]
    assert guardrails.quota_findings(team[0], "payments/db0", team[:3], rails) == []
    [f] = guardrails.quota_findings(team[0], "payments/db0", team, rails)
    assert f.check_id == "guardrail.quota.PostgresDatabase.prod"
    assert f.message == "team payments would run 4 PostgresDatabase in prod; the quota is 3"


def test_destroying_prod_data_is_its_own_finding(rails: Guardrails) -> None:
    changes = [
        ResourceChange(
            address="aws_db_instance.this",
            type="aws_db_instance",
            action="delete",
            holds_data=True,
            file="rendered/p/db/main.tf",
            line=70,
        ),
        ResourceChange(address="aws_security_group.this", type="aws_security_group", action="delete"),
        ResourceChange(
            address="aws_kms_key.this",
            type="aws_kms_key",
            action="replace",
            holds_data=True,
            replace_because=["multi_region"],
        ),
    ]
    found = guardrails.change_findings(changes, "p/db", "prod", rails)
    assert [(f.resource, f.severity, f.blocking) for f in found] == [
        ("aws_db_instance.this", "high", False),
        ("aws_kms_key.this", "high", False),
    ]
    assert found[0].message == "destroys aws_db_instance.this: destroys a resource that holds production data"
    assert "because multi_region changed" in found[1].message
    assert guardrails.change_findings(changes, "p/db", "dev", rails) == []


def test_budget_hook(rails: Guardrails) -> None:
    assert guardrails.budget_findings("payments", 100, 200, 1000, ["p/a"], rails) == {}
    warn = guardrails.budget_findings("payments", 100, 950, 1000, ["p/a"], rails)["p/a"][0]
    assert (warn.severity, warn.blocking) == ("low", False)
    over = guardrails.budget_findings("payments", 900, 1100.5, 1000, ["p/a", "p/b"], rails)
    assert set(over) == {"p/a", "p/b"}
    assert over["p/b"][0].blocking and over["p/b"][0].stack == "p/b"
    assert "would spend $1,100.50/month against a budget of $1,000.00" in over["p/a"][0].message
    assert guardrails.budget_findings("payments", 1100, 1050, 1000, ["p/a"], rails) == {}  # it got cheaper


def _waiver_req(g: Setup, waivers_yaml: str) -> Request:
    return req(
        g,
        request_yaml(
            kind="ObjectBucket", name="x1", spec="  publicRead: true\n", extra_meta=f"  waivers:\n{waivers_yaml}"
        ),
    )


def _public(g: Setup, rails: Guardrails, r: Request) -> waivers.Outcome:
    return waivers.apply(r, "payments/x1", guardrails.request_findings(r, "payments/x1", rails), rails.waivers, TODAY)


def test_valid_waiver_unblocks_and_needs_the_platform(g: Setup, rails: Guardrails) -> None:
    r = _waiver_req(
        g,
        "    - check: guardrail.param.all.ObjectBucket.publicRead\n"
        "      reason: marketing site assets, approved in SEC-88\n      expires: 2026-12-31\n",
    )
    out = _public(g, rails, r)
    [f] = out.findings
    assert f.waived and not f.blocking and f.waiver_reason == "marketing site assets, approved in SEC-88"
    assert out.needs_platform_approval


@pytest.mark.parametrize(
    ("waiver", "check_id", "message"),
    [
        (
            "    - check: guardrail.param.all.ObjectBucket.publicRead\n      reason: it was fine last quarter\n"
            "      expires: 2026-01-31\n",
            "waiver.expired",
            "the waiver for guardrail.param.all.ObjectBucket.publicRead expired on 2026-01-31",
        ),
        (
            "    - check: guardrail.param.all.ObjectBucket.publicRead\n"
            "      reason: short\n      expires: 2026-12-01\n",
            "waiver.invalid",
            "waiver #1 is malformed: reason: String should have at least 15 characters",
        ),
        (
            "    - check: guardrail.param.all.ObjectBucket.publicRead\n      reason: forever and ever please\n"
            "      expires: 2030-01-01\n",
            "waiver.invalid",
            "runs 1136 days; the limit is 90",
        ),
        (
            "    - check: ssops.drift\n      reason: I edited rendered/ by hand\n      expires: 2026-12-01\n",
            "waiver.invalid",
            "ssops.drift cannot be waived",
        ),
        ("    - just a string\n", "waiver.invalid", "waiver #1 is malformed"),
        (
            "    - check: guardrail.param.all.ObjectBucket.publicRead\n      reason: approved by security team\n"
            "      expires: 2026-12-01\n      approver: me\n",
            "waiver.invalid",
            "approver: unknown field",
        ),
    ],
)
def test_bad_waivers_are_findings(g: Setup, rails: Guardrails, waiver: str, check_id: str, message: str) -> None:
    out = _public(g, rails, _waiver_req(g, waiver))
    by_id = {f.check_id: f for f in out.findings}
    assert by_id["guardrail.param.all.ObjectBucket.publicRead"].blocking  # not waived
    assert by_id[check_id].blocking and message in by_id[check_id].message
    assert by_id[check_id].line == 10  # the waiver entry itself
    assert not out.needs_platform_approval


def test_unused_waiver_is_reported_but_harmless(g: Setup, rails: Guardrails) -> None:
    r = req(
        g,
        request_yaml(
            kind="ObjectBucket",
            name="x1",
            extra_meta=(
                "  waivers:\n    - check: CKV_AWS_18\n"
                "      reason: logs go to the central bucket\n      expires: 2026-12-01\n"
            ),
        ),
    )
    out = waivers.apply(r, "payments/x1", [], rails.waivers, TODAY)
    [f] = out.findings
    assert (f.check_id, f.blocking, f.severity) == ("waiver.unused", False, "info")
    assert not out.needs_platform_approval
