"""The audit trail as read back (its events, and the lines that could not be read), and a stack lock as taken."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Corruption:
    line: int
    offset: int  # -1 when the line is not the last one (not a cut-short write)
    text: str

    def __str__(self) -> str:
        what = "truncated" if self.offset >= 0 else "unreadable"
        return f"audit log line {self.line} (byte {self.offset}) is {what} and ignored: {self.text[:80]!r}"


@dataclass
class AuditRead:
    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Corruption] = field(default_factory=list)


@dataclass(frozen=True)
class LockTaken:
    """A stack lock held by this run; `took_over` says whose dead or expired lock it replaced."""

    stack: str
    took_over: str | None = None
