"""Limits are judged on what the default branch will hold after the merge, not on the PR's own head."""

from __future__ import annotations

import json
from pathlib import Path

from tests.adversarial.arena import Arena, request


def _db(name: str) -> str:
    return request(kind="PostgresDatabase", name=name, env="prod", spec="{size: small, storageGb: 20}")


def _branch(arena: Arena, name: str, files: dict[str, str]) -> None:
    arena.git("checkout", "-q", "-B", name, "main")
    for rel, text in files.items():
        (arena.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (arena.root / rel).write_text(text)
    arena.run("render")
    arena.git("add", "-A")
    arena.git("commit", "-q", "-m", name)
    arena.git("checkout", "-q", "main")


def _judge(arena: Arena, head: str, out: Path) -> dict:  # type: ignore[type-arg]
    result = arena.run("plan", "--base", "main", "--head", head, "--json", str(out))
    assert result.exit_code in (0, 1) and "internal error" not in result.output, result.output
    return json.loads(out.read_text())


def test_two_pull_requests_within_quota_alone_cannot_exceed_it_together(tmp_path: Path) -> None:
    arena = Arena.build(tmp_path)  # payments runs one prod database; the quota is 3
    _branch(
        arena,
        "first",
        {"requests/payments/ledger-db.yaml": _db("ledger-db"), "requests/payments/audit-db.yaml": _db("audit-db")},
    )
    _branch(
        arena,
        "second",
        {"requests/payments/fraud-db.yaml": _db("fraud-db"), "requests/payments/risk-db.yaml": _db("risk-db")},
    )
    out = tmp_path / "report.json"
    alone = _judge(arena, "second", out)
    assert "guardrail.quota" not in json.dumps(alone)
    arena.git("merge", "-q", "--no-ff", "-m", "Merge pull request #1", "first")
    together = _judge(arena, "second", out)
    assert together["risk"]["tier"] == "blocked"
    quota = [f for s in together["stacks"] for f in s["findings"] if f["check_id"].startswith("guardrail.quota")]
    assert quota and "5" in quota[0]["message"], quota


def test_a_name_clash_with_a_request_merged_meanwhile_is_found(tmp_path: Path) -> None:
    arena = Arena.build(tmp_path)
    twin = request(kind="Queue", name="events", team="payments-orders", env="dev")
    _branch(arena, "mine", {"requests/payments-orders/events.yaml": twin})
    _branch(arena, "theirs", {"requests/payments/orders-events.yaml": request(name="orders-events")})
    out = tmp_path / "report.json"
    assert _judge(arena, "mine", out)["risk"]["tier"] != "blocked"
    arena.git("merge", "-q", "--no-ff", "-m", "Merge pull request #2", "theirs")
    after = _judge(arena, "mine", out)
    assert after["risk"]["tier"] == "blocked"
    assert "would give their dev resources the same cloud names" in json.dumps(after)
