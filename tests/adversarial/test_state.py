"""Damaged state never crashes a command: the local forge's file, the records ref, the Actions event file
and the audit trail each get a one-line error naming what is damaged and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.github.connection import event_context
from ssops_ci.adapters.stores.git import GitStore
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops import wiring
from tests.adversarial.arena import Arena


def _clean(output: str) -> None:
    assert "Traceback" not in output and "internal error" not in output, output


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "the local forge's state is damaged"),
        (b'{"prs": []}', "damaged at prs"),
        (b'{"next_number": "one"}', "damaged at next_number"),
        (b"\xff\xfe", "the local forge's state is damaged"),
        (b"[]", "the local forge's state is damaged"),
    ],
)
def test_a_damaged_local_forge_file_is_named_with_what_to_do(arena: Arena, content: bytes, says: str) -> None:
    forge = arena.root / ".git/ssops/forge.json"
    forge.parent.mkdir(exist_ok=True)
    kept = forge.read_bytes() if forge.exists() else None
    forge.write_bytes(content)
    try:
        result = arena.run("pr", "list")
    finally:
        if kept is None:
            forge.unlink()
        else:
            forge.write_bytes(kept)
    assert result.exit_code == 1 and says in result.output and "forge.json" in result.output, result.output
    assert "delete it to start over" in result.output
    _clean(result.output)


@pytest.mark.parametrize("content", [b"[1, 2]", b"not json at all", b'"a string"'])
def test_a_damaged_record_in_the_records_ref_is_named_with_its_history(tmp_path: Path, content: bytes) -> None:
    arena = Arena.build(tmp_path)
    root = arena.root
    receipts = root / "requests/payments/receipts.yaml"
    receipts.write_text(receipts.read_text().replace("description:", "description: changed,"))
    arena.run("render")
    arena.git("commit", "-q", "-am", "a change to apply")
    store = wiring.local_records(GitRepository.open(root)).store
    assert isinstance(store, GitStore)
    store.transact(lambda s: ([("ledger/payments/receipts.json", content)], "damage", None))
    result = arena.run("apply", "--sha", "HEAD", "--branch", "main")
    assert result.exit_code == 1, result.output
    assert "refs/ssops/records:ledger/payments/receipts.json" in result.output
    assert "git log -p refs/ssops/records -- ledger/payments/receipts.json" in result.output
    _clean(result.output)


def test_a_damaged_audit_line_is_reported_and_new_events_still_chain(tmp_path: Path) -> None:
    arena = Arena.build(tmp_path)
    store = wiring.local_records(GitRepository.open(arena.root)).store
    assert isinstance(store, GitStore)
    store.append({"event": "open", "pr": 1, "time": "2026-11-02T09:00:00+00:00"})
    store.transact(lambda s: ([("audit/000001.jsonl", (s.read("audit/000001.jsonl") or b"") + b'{"eve\n')], "", None))
    store.append({"event": "merge", "pr": 1, "time": "2026-11-02T09:05:00+00:00"})  # must not crash
    verify = arena.run("audit", "verify")
    assert verify.exit_code == 1 and "000001.jsonl" in verify.output, verify.output
    _clean(verify.output)
    report = arena.run("report")
    assert report.exit_code == 0 and "warning:" in report.output, report.output
    _clean(report.output)


@pytest.mark.parametrize("content", ["{broken", "[]", '"text"'])
def test_a_damaged_actions_event_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    event = tmp_path / "event.json"
    event.write_text(content)
    with pytest.raises(SsopsError, match="GITHUB_EVENT_PATH"):
        event_context(str(event))


def test_a_valid_event_file_still_reads(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}, "repository": {"full_name": "acme/ssops"}}))
    assert event_context(str(event)) == ("acme/ssops", 7)
