"""The audit trail: append-only JSON Lines, crash-tolerant, optionally mirrored to a webhook."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from ssops_ci.adapters.audit import AuditLog


def test_events_round_trip_with_the_common_fields(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", webhook="", actor="ci")
    log.emit("evaluate", pr=3, sha="abc", tier="low", reasons=["x"])
    log.emit("apply", sha="def", stack="payments/jobs", result="applied")
    read = log.read()
    assert read.problems == []
    assert [e["event"] for e in read.events] == ["evaluate", "apply"]
    first = read.events[0]
    assert {k: first[k] for k in ("actor", "pr", "sha", "stack", "tier")} == {
        "actor": "ci",
        "pr": 3,
        "sha": "abc",
        "stack": None,
        "tier": "low",
    }
    assert first["time"].endswith("+00:00")


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", webhook="")

    def write(n: int) -> None:
        for i in range(50):
            log.emit("apply", stack=f"t/s{n}", payload="x" * 3000, i=i)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read = log.read()
    assert read.problems == [] and len(read.events) == 200


def test_a_truncated_last_line_is_reported_and_never_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, webhook="")
    log.emit("evaluate", pr=1)
    with path.open("ab") as f:
        f.write(b'{"time": "2026-11-22T10:00:00+00:00", "event": "mer')  # the process died mid-write
    before = path.read_bytes()
    read = log.read()
    [problem] = read.problems
    assert problem.line == 2 and problem.offset > 0
    assert "is truncated and ignored" in str(problem)
    log.emit("apply", pr=1)
    after = path.read_bytes()
    assert after.startswith(before)  # nothing already written was touched
    read = log.read()
    assert [e["event"] for e in read.events] == ["evaluate", "apply"]
    assert len(read.problems) == 1 and "unreadable" in str(read.problems[0])  # no longer the last line


def test_webhook_receives_every_event_and_an_outage_is_not_fatal(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        log = AuditLog(tmp_path / "audit.jsonl", webhook=f"http://127.0.0.1:{server.server_address[1]}/audit")
        log.emit("merge", pr=2, merged=True)
        assert received and received[0]["event"] == "merge" and received[0]["pr"] == 2
    finally:
        server.shutdown()
    down = AuditLog(tmp_path / "audit.jsonl", webhook="http://127.0.0.1:9/audit")
    down.emit("apply", pr=2)
    assert down.webhook_failures and [e["event"] for e in down.read().events] == ["merge", "apply"]
