"""Remembered results on disk (`.ssops/cache/`), namespaced by ssops-ci's own code.

A key is a digest of every input; a value is JSON, never pickle (a cache restored on a runner must not
be able to run code). Entries made by one version of ssops-ci are invisible to another, so a change to
the code cannot reuse stale results. One SQLite file per code version, without fsync: measured on a
2-core machine, a file per entry cost about 1 ms to write (20 s for a 10,000-request `render`), the
diskcache library 0.5 ms to write and 0.2 ms to read, this 0.05 ms and 0.02 ms. Losing the cache only
costs time, so durability is traded for speed and every failure (locked, damaged, unwritable) is a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import ssops_ci


@functools.cache
def code_digest() -> str:
    """A digest of ssops-ci's installed source (Python and templates)."""
    root = Path(ssops_ci.__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".j2", ".json", ".yaml") and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


# Another version's cache untouched this long is removed when a cache is opened: upgrades leave one
# file per version behind, and a 10,000-request repository's is about 90 MB.
STALE_AFTER_SECONDS = 14 * 24 * 3600


def prune(root: Path, keep: str, now: float) -> None:
    """Remove what other ssops-ci versions left under `root` and nobody used for two weeks."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for p in entries:
        if p.name.startswith(keep):
            continue
        with contextlib.suppress(OSError):
            if now - p.lstat().st_mtime <= STALE_AFTER_SECONDS:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


class DiskCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / f"{code_digest()}.sqlite3"
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _open(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            prune(self.root, code_digest(), time.time())
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=2, isolation_level=None)  # each put commits
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            except (OSError, sqlite3.Error):
                self._broken = True  # unwritable folder or a damaged file: run without a cache
                return None
            self._db = db
        return self._db

    def get(self, key: str) -> dict[str, Any] | None:
        db = self._open()
        try:
            row = db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone() if db else None
            found = json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None  # damaged: computed again
        return found if isinstance(found, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        db = self._open()
        if db is None:
            return
        # locked by another run, or full: this entry is simply not kept
        with contextlib.suppress(sqlite3.Error):
            db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, json.dumps(value)))
