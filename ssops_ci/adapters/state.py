"""Local state under .ssops/: what the static engine applied, per-SHA apply records, stack locks, reports."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ssops_ci.model.problems import LockTimeout


class StateStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------------ the static engine's applied state

    def _state(self, stack: str) -> Path:
        return self.root / "state" / f"{stack}.json"

    def applied(self, stack: str) -> dict[str, Any] | None:
        p = self._state(stack)
        return json.loads(p.read_text()) if p.exists() else None

    def all_applied(self) -> dict[str, dict[str, Any]]:
        base = self.root / "state"
        if not base.exists():
            return {}
        return {
            p.relative_to(base).with_suffix("").as_posix(): json.loads(p.read_text())
            for p in sorted(base.rglob("*.json"))
        }

    def record_applied(self, stack: str, record: dict[str, Any]) -> None:
        _write_json(self._state(stack), record)

    def forget(self, stack: str) -> None:
        self._state(stack).unlink(missing_ok=True)

    # ------------------------------------------------------------------ per-SHA apply records

    def _apply(self, sha: str) -> Path:
        return self.root / "applies" / f"{sha}.json"

    def apply_record(self, sha: str) -> dict[str, Any]:
        p = self._apply(sha)
        return json.loads(p.read_text()) if p.exists() else {"sha": sha, "stacks": {}}

    def update_apply(self, sha: str, stack: str, **fields: Any) -> None:
        with self._locked(self.root / "applies" / ".lock"):
            record = self.apply_record(sha)
            record["stacks"].setdefault(stack, {}).update(fields)
            _write_json(self._apply(sha), record)

    # ------------------------------------------------------------------ reports

    def save_report(self, name: str, text: str) -> None:
        target = self.root / "reports" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    # ------------------------------------------------------------------ locks

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    @contextlib.contextmanager
    def stack_lock(self, stack: str, timeout: float) -> Iterator[None]:
        """One apply per stack at a time. The OS drops the lock if the holder dies, so no stale locks."""
        path = self.root / "locks" / f"{stack}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+") as f:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        f.seek(0)
                        holder = f.read().strip() or "another run"
                        raise LockTimeout(
                            f"{stack} is being applied by {holder}; waited {timeout:.0f}s. "
                            "Re-run this apply when it finishes (applied stacks are skipped)."
                        ) from None
                    time.sleep(0.2)
            f.seek(0)
            f.truncate()
            f.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
            f.flush()
            try:
                yield
            finally:
                f.seek(0)
                f.truncate()
                fcntl.flock(f, fcntl.LOCK_UN)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
    tmp.replace(path)
