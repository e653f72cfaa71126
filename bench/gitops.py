"""Small git helpers for benchmarks."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@x",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@x",
    "PATH": "/usr/bin:/bin",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def timed(cmd: list[str], cwd: Path) -> float:
    """Seconds a command takes; exit 1 (blocked, failing findings) is an answer, anything else is not."""
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} exited {done.returncode}: {done.stderr[-500:]}")
    return time.perf_counter() - t
