"""The audit trail: an append-only JSON Lines log of every decision and action.

One event per line, written with a single O_APPEND write under an exclusive lock
and fsynced, so concurrent runs interleave whole lines and nothing already
written is ever rewritten. A line cut short by a crash is detected on reading
and reported, never "repaired". Events may also be POSTed to a webhook.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from ssops_ci.model.audit import AuditRead, Corruption

FILE = "audit.jsonl"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class AuditLog:
    def __init__(self, path: Path, *, webhook: str | None = None, actor: str | None = None) -> None:
        self.path = path
        self.webhook = webhook if webhook is not None else os.environ.get("SSOPS_AUDIT_WEBHOOK") or None
        self.actor = actor or os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "ssops-ci"
        self.webhook_failures: list[str] = []

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {
            "time": fields.pop("time", None) or now(),
            "event": event,
            "actor": fields.pop("actor", None) or self.actor,
        }
        for key in ("sha", "pr", "stack"):
            record[key] = fields.pop(key, None)
        record.update(fields)
        line = json.dumps(record, ensure_ascii=False, sort_keys=False, default=str).encode() + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size:
                with self.path.open("rb") as f:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":
                        # a crash cut the last event short: start afresh on a new line, keep its bytes
                        line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if self.webhook:
            self._post(record)
        return record

    def _post(self, record: dict[str, Any]) -> None:
        try:
            response = requests.post(self.webhook, json=record, timeout=5)  # type: ignore[arg-type]
            response.raise_for_status()
        except requests.RequestException as e:
            # The log file is the record; a webhook outage must not stop an apply.
            self.webhook_failures.append(str(e))
            print(f"warning: audit webhook failed ({e}); the event is in {self.path}", file=sys.stderr)

    def read(self) -> AuditRead:
        out = AuditRead()
        if not self.path.exists():
            return out
        data = self.path.read_bytes()
        offset = 0
        for number, raw in enumerate(data.split(b"\n"), start=1):
            start, offset = offset, offset + len(raw) + 1
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                if not isinstance(event, dict) or "event" not in event:
                    raise ValueError("not an event")
                out.events.append(event)
            except ValueError:
                last = start + len(raw) >= len(data) and not data.endswith(b"\n")
                out.problems.append(Corruption(number, start if last else -1, raw.decode("utf-8", "replace")))
        return out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.read().events)


def for_root(root: Path) -> AuditLog:
    """The audit log of the repository checked out at `root`."""
    return AuditLog(root / ".ssops" / FILE)
