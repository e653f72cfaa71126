"""A real PostgreSQL server for the tests: Debian's server binaries, a throwaway cluster on loopback.

`make test` installs Debian's postgresql when its binaries are missing. PostgreSQL refuses to run as
root, so as root the cluster is made and run by the `postgres` user. Where no server can start, the
tests that need one skip and say why; the git store's tests run regardless.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if not runuser:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *argv]


@contextlib.contextmanager
def server() -> Iterator[str]:
    """Start a cluster; yields its URL (a superuser `ssops`, trust auth on 127.0.0.1); stops and removes it."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (pg_ctl); `make test` installs Debian's postgresql")
    home = Path(tempfile.mkdtemp(prefix="ssops-pg-"))
    home.chmod(0o755)
    data, port = home / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    run = {"check": True, "capture_output": True, "env": env, "cwd": home}
    subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "ssops", "-A", "trust"]), **run)
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start"]
    subprocess.run(_as_server_user(start), **run)
    try:
        yield f"postgresql://ssops@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_user(stop), check=False, capture_output=True, env=env, cwd=home)
        shutil.rmtree(home, ignore_errors=True)
