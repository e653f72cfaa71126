"""The audit trail as a hash chain: each event carries the hash of the one before it.

Whoever can rewrite the store can rewrite an event, but not without breaking the chain from that
event on; `verify` names the first event that does not fit. Pure functions: values in, values out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

CHAIN_FIELDS = ("seq", "prev", "hash")


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes an event's hash is taken over: sorted keys, no spaces, its own hash left out."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def digest(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def link(previous: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any]:
    """`event` as the next link after `previous` (None: the first event)."""
    linked = {k: v for k, v in event.items() if k not in CHAIN_FIELDS}
    linked["seq"] = int(previous["seq"]) + 1 if previous else 1
    linked["prev"] = str(previous["hash"]) if previous else ""
    linked["hash"] = digest(linked)
    return linked


@dataclass(frozen=True)
class Break:
    """The first event that does not fit the chain, and why."""

    index: int  # 0-based position in the trail
    seq: object
    event: str
    time: str
    why: str

    def __str__(self) -> str:
        return f"event #{self.index + 1} (seq {self.seq}, {self.event} at {self.time}): {self.why}"


def _why(previous: dict[str, Any] | None, event: dict[str, Any], expected_seq: int) -> str | None:
    if event.get("seq") != expected_seq:
        return f"its sequence number is {event.get('seq')!r}, expected {expected_seq} (an event was removed or added)"
    if event.get("prev") != (previous["hash"] if previous else ""):
        return "it does not carry the hash of the event before it (an event before it was changed or removed)"
    if event.get("hash") != digest(event):
        return "its content does not match its hash (it was edited after it was written)"
    return None


def verify(events: list[dict[str, Any]]) -> Break | None:
    """None when every event links to the one before; else the first that does not."""
    previous: dict[str, Any] | None = None
    for i, event in enumerate(events):
        why = _why(previous, event, i + 1)
        if why:
            return Break(i, event.get("seq"), str(event.get("event")), str(event.get("time")), why)
        previous = event
    return None
