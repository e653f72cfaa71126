"""What both stores share: who this process is, and stack locks built on an atomic document update.

A lock is a document in the `locks` table naming its holder (host, pid, run) and a lease. Another run
takes it over only when the holder is known to be gone: the same host and a pid that no longer exists,
or a lease that ran out (a runner on another host cannot be asked whether it is alive).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

from ssops_ci.model.audit import LockTaken
from ssops_ci.model.problems import LockTimeout
from ssops_ci.ports import Change

LOCKS = "locks"
LEASE_SECONDS = 2 * 60 * 60  # longer than any apply job may run (apply.yml: 60 minutes)


def utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def this_process(run_url: str | None = None) -> dict[str, Any]:
    """Who holds a lock taken by this process."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "run": run_url}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def gone(holder: dict[str, Any], now: float) -> str | None:
    """Why a lock's holder no longer holds it (dead on this host, or its lease ran out), or None."""
    if holder.get("host") == socket.gethostname() and not _alive(int(holder.get("pid") or 0)):
        return "its process is gone"
    if float(holder.get("expires") or 0) < now:
        return f"its lease ran out at {utc(float(holder.get('expires') or 0))}"
    return None


def describe(holder: dict[str, Any]) -> str:
    run = f", run {holder['run']}" if holder.get("run") else ""
    return f"pid {holder.get('pid')} on {holder.get('host')}{run}, since {utc(float(holder.get('since') or 0))}"


class Locking:
    """stack_lock for a store that has `update` (mixed into both stores)."""

    owner: dict[str, Any]
    poll_seconds: float = 0.2

    def update(self, table: str, key: str, change: Change) -> dict[str, Any] | None:
        raise NotImplementedError

    def _try(self, stack: str, me: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """Take the lock if free or abandoned: (the holder now, whose abandoned lock was taken over)."""
        took_over: list[str] = []

        def acquire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            took_over.clear()
            if current is None or current.get("token") == me["token"]:
                return me
            why = gone(current, time.time())
            if why is None:
                return current
            took_over.append(f"{describe(current)} ({why})")
            return me

        holder = self.update(LOCKS, stack, acquire)
        return holder, (took_over[0] if took_over else None)

    @contextlib.contextmanager
    def stack_lock(self, stack: str, timeout: float) -> Iterator[LockTaken]:
        now = time.time()
        me = {**self.owner, "token": uuid.uuid4().hex, "since": now, "expires": now + LEASE_SECONDS}
        deadline = time.monotonic() + timeout
        while True:
            holder, took_over = self._try(stack, me)
            if holder is not None and holder.get("token") == me["token"]:
                break
            if time.monotonic() >= deadline:
                who = describe(holder) if holder else "another run"
                raise LockTimeout(
                    f"{stack} is being applied by {who}; waited {timeout:.0f}s. "
                    "Re-run this apply when it finishes (applied stacks are skipped)."
                )
            time.sleep(self.poll_seconds)
        try:
            yield LockTaken(stack, took_over)
        finally:
            self.update(LOCKS, stack, lambda cur: None if cur and cur.get("token") == me["token"] else cur)
