"""Day two: the changes a team makes after its first apply plan as intended, for every kind.

Each case renders a request at the base, changes it on a branch the way a user later would, and checks
what the static planner says will happen to each resource, and the risk tier: updates in place where AWS
updates in place, replaces where it must, and a replace or destroy of data flagged high (blocked never).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import yaml

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config.setup import load as load_setup
from tests.conftest import PROJECT, Repo, evaluate, request_yaml

TODAY = dt.date(2026, 12, 3)


def _actions(repo: Repo, stack_id: str) -> tuple[dict[str, str], str, list[str]]:
    report = evaluate(repo.root, "main", "HEAD", today=TODAY)
    stack = report.stack(stack_id)
    changed = {c.address: c.action for c in stack.changes if c.action != "no-op"}
    blocking = [f"{f.check_id}: {f.message}" for f in stack.findings if f.blocking]
    return changed, stack.risk.tier if stack.risk else "", blocking


CASES = [
    # kind, spec at base, spec on the branch, {address: action} expected (others unchanged), tier
    (
        "PostgresDatabase",
        '  postgresVersion: "15"\n',
        '  postgresVersion: "16"\n',
        {"aws_db_instance.this": "update", "aws_db_parameter_group.this": "replace"},
        "medium",
    ),
    ("PostgresDatabase", "  size: small\n", "  size: medium\n", {"aws_db_instance.this": "update"}, "medium"),
    (  # the free-storage alarm follows the new size
        "PostgresDatabase",
        "  storageGb: 20\n",
        "  storageGb: 100\n",
        {"aws_db_instance.this": "update", "aws_cloudwatch_metric_alarm.free_storage": "update"},
        "medium",
    ),
    (
        "ObjectBucket",
        "  expireAfterDays: 0\n",
        "  expireAfterDays: 365\n",
        {"aws_s3_bucket_lifecycle_configuration.this": "update"},
        "medium",
    ),
    ("Queue", "  maxReceiveCount: 5\n", "  maxReceiveCount: 9\n", {"aws_sqs_queue.this": "update"}, "medium"),
    (
        "Queue",
        "  fifo: false\n",
        "  fifo: true\n",
        {"aws_sqs_queue.this": "replace", "aws_sqs_queue.dlq": "replace"},
        "high",
    ),
    (  # in place, but over $500 a month more: the expensive rule makes it high
        "RedisCache",
        "  size: small\n  replicas: 1\n",
        "  size: large\n  replicas: 1\n",
        {"aws_elasticache_replication_group.this": "update"},
        "high",
    ),
    (
        "Function",
        "  artifact: t/f/1.zip\n",
        "  artifact: t/f/1.zip\n  memoryMb: 1024\n",
        {"aws_lambda_function.this": "update"},
        "medium",
    ),
]


@pytest.mark.parametrize(
    ("kind", "before", "after", "expected", "tier"), CASES, ids=[f"{c[0]}:{c[2].strip()}" for c in CASES]
)
def test_a_later_change_plans_as_intended(
    gitrepo: Callable[..., Repo], kind: str, before: str, after: str, expected: dict[str, str], tier: str
) -> None:
    path = "requests/payments/day2.yaml"
    repo = gitrepo({path: request_yaml(kind=kind, name="day2", env="prod", spec=before)})
    repo.branch("change")
    repo.write(path, request_yaml(kind=kind, name="day2", env="prod", spec=after))
    repo.commit()
    changed, got_tier, blocking = _actions(repo, "payments/day2")
    assert changed == expected
    assert blocking == []
    assert got_tier == tier


def _kinds_and_a_prod_spec() -> list[tuple[str, str]]:
    """Every kind the catalog holds, with the spec of its first example that may run in prod."""
    catalog = load_setup(WorkTree(PROJECT)).catalog
    out = []
    for name, kind in sorted(catalog.kinds.items()):
        example = next((e for e in kind.spec.examples if "prod" in (e.environments or ["prod"])), None)
        spec = yaml.safe_dump(example.spec, default_flow_style=False) if example and example.spec else ""
        out.append((name, "".join(f"  {line}\n" for line in spec.splitlines())))
    return out


KINDS = _kinds_and_a_prod_spec()


@pytest.mark.parametrize(("kind", "spec"), KINDS, ids=[k for k, _ in KINDS])
def test_deleting_a_request_destroys_its_stack_and_data_needs_the_platform_team(
    gitrepo: Callable[..., Repo], kind: str, spec: str
) -> None:
    path = "requests/payments/gone.yaml"
    repo = gitrepo({path: request_yaml(kind=kind, name="gone", env="prod", spec=spec)})
    repo.branch("delete")
    repo.git("rm", "-q", path)
    repo.commit()
    changed, tier, _ = _actions(repo, "payments/gone")
    assert changed and set(changed.values()) == {"delete"}
    assert tier == "high"  # every kind holds data or its key


def test_renaming_a_request_is_a_new_stack_and_the_old_one_destroyed(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo({"requests/payments/old-name.yaml": request_yaml(kind="Queue", name="old-name", env="prod")})
    repo.branch("rename")
    repo.git("mv", "requests/payments/old-name.yaml", "requests/payments/new-name.yaml")
    repo.edit("requests/payments/new-name.yaml", "name: old-name", "name: new-name")
    repo.commit()
    created, _, _ = _actions(repo, "payments/new-name")
    destroyed, tier, _ = _actions(repo, "payments/old-name")
    assert set(created.values()) == {"create"} and "aws_sqs_queue.this" in created
    assert set(destroyed.values()) == {"delete"} and tier == "high"
