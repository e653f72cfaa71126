"""Per-request summaries on disk (`.ssops/cache/`), namespaced by ssops-ci's own code.

A key is a digest of every input; a value is written once, atomically, and never changed. Entries made
by one version of ssops-ci are invisible to another, so a change to the code cannot reuse stale figures.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
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


class DiskCache:
    def __init__(self, root: Path) -> None:
        self.dir = root / code_digest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            found = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None  # missing, or damaged: computed again
        return found if isinstance(found, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as out:
                json.dump(value, out)
            Path(tmp).replace(target)
        except OSError:
            pass  # a cache that cannot be written only costs time
