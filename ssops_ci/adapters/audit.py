"""The audit trail: every decision and action, one event each, appended to the store's hash chain.

Each event gets a unique id when it is made, so a write retried after an error that hid its success
is recorded once. Events may also be POSTed to a webhook; the store is the record, so a webhook
outage is a warning, never a failure.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import Any

import requests

from ssops_ci.model.audit import AuditRead
from ssops_ci.ports import Store


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class StoreAudit:
    def __init__(self, store: Store, *, webhook: str | None = None, actor: str = "ssops-ci") -> None:
        self.store = store
        self.webhook = webhook
        self.actor = actor
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
        record["uid"] = uuid.uuid4().hex
        written = self.store.append(record)
        if self.webhook:
            self._post(written)
        return written

    def _post(self, record: dict[str, Any]) -> None:
        try:
            response = requests.post(str(self.webhook), json=record, timeout=5)
            response.raise_for_status()
        except requests.RequestException as e:
            self.webhook_failures.append(str(e))
            print(f"warning: audit webhook failed ({e}); the event is in {self.store.location}", file=sys.stderr)

    def read(self) -> AuditRead:
        return self.store.events()
