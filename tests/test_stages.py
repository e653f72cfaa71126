"""Pure stages on values, without git: detection, the rendered/ comparison, the static diff, judging."""

from __future__ import annotations

import datetime as dt

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import policies
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.finding import Finding, ScanResult
from ssops_ci.model.plan import PathChange
from ssops_ci.model.report import StackReport
from ssops_ci.model.stack import Resource, ResourceType, Stack, StackJob
from ssops_ci.stages import affected, diff, findings, rendered, validate
from ssops_ci.stages.render import Renderer
from tests.conftest import PROJECT, request_yaml

SETUP = load_setup(WorkTree(PROJECT))
POLICIES = policies.load(WorkTree(PROJECT), SETUP.catalog)


def change(status: str, a: str | None, b: str | None = None) -> PathChange:
    return PathChange(status=status, a_path=a, b_path=b if b is not None else a)


def test_detect_names_each_stack_and_why() -> None:
    found = affected.detect(
        [
            change("A", None, "requests/payments/new.yaml"),
            change("M", "requests/search/indexer.yaml"),
            change("D", "requests/search/old.yaml", None),
            change("R", "requests/payments/a.yaml", "requests/payments/b.yaml"),
            change("M", "rendered/payments/receipts/main.tf"),
            change("M", "templates/queue/main.tf.j2"),
            change("A", None, "docs/notes.md"),
        ],
        "base",
        "head",
        "mb",
    )
    reasons = {k: sorted(t.reasons) for k, t in found.touched.items()}
    assert reasons == {
        "payments/new": ["request-added"],
        "search/indexer": ["request-changed"],
        "search/old": ["request-deleted"],
        "payments/a": ["request-deleted"],
        "payments/b": ["request-added"],
        "payments/receipts": [],
    }
    assert found.touched["payments/b"].renamed_from == "requests/payments/a.yaml"
    assert found.touched["payments/receipts"].rendered_paths == {"rendered/payments/receipts/main.tf"}
    assert found.governance_paths == ["docs/notes.md", "templates/queue/main.tf.j2"]
    assert found.template_paths == ["templates/queue/main.tf.j2"]
    assert affected.kinds_reached(found, [SETUP.catalog]) == {"Queue"}
    reached = affected.with_reach(found, ["requests/search/crawl-queue.yaml", "requests/search/indexer.yaml"])
    assert sorted(reached.touched["search/indexer"].reasons) == ["request-changed", "template-changed"]
    assert reached.touched["search/crawl-queue"].head_path == "requests/search/crawl-queue.yaml"
    assert found.touched.keys() != reached.touched.keys()  # detection returned a new value


def test_platform_reach_follows_what_changed() -> None:
    found = affected.detect([change("M", "policies/platform.yaml")], "b", "h", "m")
    same = affected.platform_reach(found, SETUP.platform, SETUP.platform)
    assert not same.everything and same.environments == frozenset()
    staging = SETUP.platform.environments["staging"].model_copy(update={"vpc_name": "other"})
    moved = SETUP.platform.model_copy(update={"environments": {**SETUP.platform.environments, "staging": staging}})
    assert affected.platform_reach(found, SETUP.platform, moved).environments == {"staging"}
    prefixed = SETUP.platform.model_copy(update={"name_prefix": "other"})
    assert affected.platform_reach(found, SETUP.platform, prefixed).everything


def one_stack() -> Stack:
    text = request_yaml(name="jobs").encode()
    return Renderer(SETUP.catalog, SETUP.platform).render(
        validate.parse("requests/payments/jobs.yaml", text, SETUP.catalog, SETUP.teams)
    )


def test_compare_tells_each_kind_of_mismatch_apart() -> None:
    stack = one_stack()
    [(path, text)] = [(p, t) for p, t in stack.paths().items() if p.endswith("main.tf")]
    others = {p: t.encode() for p, t in stack.paths().items() if p != path}
    stale_text = text.replace("Rendered by", "Rendered  by")  # header differs, checksum of the body still holds
    cases = {
        "missing": {},
        "stale": {path: stale_text.encode()},
        "hand-edited": {path: (text + "# a hand edit\n").encode()},
    }
    for state, actual in cases.items():
        [m] = rendered.compare({**others, **actual}, [stack])
        assert (m.path, m.state, m.stack) == (path, state, "payments/jobs"), state
    assert rendered.compare({**others, path: text.encode()}, [stack]) == []
    extra = {**others, path: text.encode(), "rendered/payments/jobs/extra.tf": b"", "rendered/search/gone/main.tf": b""}
    assert [(m.path, m.state) for m in rendered.compare(extra, [stack])] == [
        ("rendered/payments/jobs/extra.tf", "unexpected"),
        ("rendered/search/gone/main.tf", "orphaned"),
    ]
    assert rendered.compare(extra, [stack], only={"search/gone"}) == [
        m for m in rendered.compare(extra, [stack]) if m.stack == "search/gone"
    ]


def res(address: str, **attrs: object) -> Resource:
    return Resource(address=address, type=address.split(".")[0], mode="managed", file="f.tf", line=1, attrs=attrs)


def side(*resources: Resource) -> Stack:
    return Stack(
        id="t/s",
        request="r",
        kind="K",
        template_version="1.0.0",
        team="t",
        environment="dev",
        dir="d",
        files={},
        resources=list(resources),
    )


def test_static_diff_actions_replacement_and_masking() -> None:
    types = {"db": ResourceType(force_new=["engine"], holds_data=True, sensitive=["password"])}
    before = side(
        res("db.a", engine="pg14", password="x"), res("db.b", size=1), res("db.gone", size=1), res("db.same", v=1)
    )
    after = side(
        res("db.a", engine="pg15", password="y"), res("db.b", size=2), res("db.new", size=1), res("db.same", v=1)
    )
    changes = {c.address: c for c in diff.plan(StackJob(id="t/s", before=before, after=after, resource_types=types))}
    assert {a: c.action for a, c in changes.items()} == {
        "db.a": "replace",
        "db.b": "update",
        "db.new": "create",
        "db.same": "no-op",
        "db.gone": "delete",
    }
    assert list(changes) == ["db.a", "db.b", "db.new", "db.same", "db.gone"]  # after's order, then what went away
    a = changes["db.a"]
    assert a.replace_because == ["engine"] and a.holds_data
    assert (a.diff["password"].before, a.diff["password"].after) == ("(sensitive)", "(sensitive)")
    assert changes["db.same"].diff == {}


def stack_report(**kw: object) -> StackReport:
    base = {
        "id": "payments/jobs",
        "request": "requests/payments/jobs.yaml",
        "kind": "Queue",
        "team": "payments",
        "environment": "dev",
        "reason": "request-added",
    }
    return StackReport.model_validate({**base, **kw})


def test_judge_adds_the_pipelines_own_findings_and_returns_a_new_report() -> None:
    s = stack_report(
        status="error", error="payments/jobs: boom", drift=["rendered/payments/jobs/main.tf: hand-edited: x"]
    )
    judged = findings.judge_stack(s, findings.Evidence(), POLICIES, ScanResult(), dt.date(2026, 11, 22))
    assert sorted(f.check_id for f in judged.findings) == ["ssops.drift", "ssops.plan-error"]
    assert all(f.blocking for f in judged.findings)
    assert s.findings == []  # the input is untouched


def test_judge_marks_a_stack_the_scanner_could_not_scan() -> None:
    scan = ScanResult(errors={"payments/jobs": "checkov crashed"}, passed=3)
    judged = findings.judge_stack(stack_report(), findings.Evidence(), POLICIES, scan, dt.date(2026, 11, 22))
    assert judged.status == "error" and judged.error == "payments/jobs: checkov crashed"
    assert [f.check_id for f in judged.findings] == ["ssops.scan-error"]


def test_judge_applies_a_valid_waiver_from_the_request() -> None:
    waiver = (
        "  waivers:\n    - check: CKV_AWS_1\n      reason: accepted for the migration, SEC-1\n"
        "      expires: 2026-12-01\n"
    )
    req = validate.parse(
        "requests/payments/jobs.yaml", request_yaml(extra_meta=waiver).encode(), SETUP.catalog, SETUP.teams
    )
    failing = Finding(
        source="checkov",
        check_id="CKV_AWS_1",
        severity="high",
        stack="payments/jobs",
        message="m",
        remediation="r",
        blocking=True,
    )
    scan = ScanResult(findings={"payments/jobs": [failing]})
    judged = findings.judge_stack(
        stack_report(), findings.Evidence(base_request=req, head_request=req), POLICIES, scan, dt.date(2026, 11, 22)
    )
    [f] = judged.findings
    assert f.waived and not f.blocking and judged.needs_platform_approval and len(judged.waivers) == 1
