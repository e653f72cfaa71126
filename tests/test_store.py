"""The store behind the records, both backends, with real processes: the audit chain, documents, locks."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner

from ssops_ci.adapters.audit import StoreAudit
from ssops_ci.adapters.stores import open_store
from ssops_ci.adapters.stores.git import GitStore
from ssops_ci.adapters.stores.postgres import PostgresStore
from ssops_ci.commands.cli import cli
from ssops_ci.ports import Store
from ssops_ci.stages import chain
from tests import pg

Opener = Callable[[], Store]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        with pg.server() as url:
            yield url
    except (RuntimeError, subprocess.CalledProcessError) as e:
        pytest.skip(f"no PostgreSQL server could start here ({e}); the git store's tests still run")


def _git_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    git.Repo.init(root, initial_branch="main")
    return root


@pytest.fixture(params=["git", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    if request.param == "git":
        root = _git_repo(tmp_path)
        return lambda: open_store("git", root, remotes=[])
    url = request.getfixturevalue("pg_url")
    return lambda: open_store(url, Path(), remotes=[], name=f"acme/{tmp_path.name}")


def _spec(opener: Opener) -> tuple[str, str, str]:
    """How another process opens the same store: kind, where, and the repository name (PostgreSQL)."""
    store = opener()
    if isinstance(store, GitStore):
        return "git", str(store.root), ""
    assert isinstance(store, PostgresStore)
    return "postgresql", store.url, store.repo


def _write_events(kind: str, where: str, name: str, writer: int, count: int) -> None:
    store = (
        open_store("git", Path(where), remotes=[])
        if kind == "git"
        else open_store(where, Path(), remotes=[], name=name)
    )
    trail = StoreAudit(store, actor=f"writer-{writer}")
    for i in range(count):
        trail.emit("apply", stack=f"team/s{writer}", i=i, payload="x" * 200)


def _increment(kind: str, where: str, name: str, count: int) -> None:
    store = (
        open_store("git", Path(where), remotes=[])
        if kind == "git"
        else open_store(where, Path(), remotes=[], name=name)
    )
    for _ in range(count):
        store.update("meta", "counter", lambda c: {"n": (c or {"n": 0})["n"] + 1})


def _processes(target: Callable[..., None], args: list[tuple[Any, ...]]) -> float:
    started = time.monotonic()
    procs = [multiprocessing.Process(target=target, args=a) for a in args]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
        assert p.exitcode == 0, f"a writer failed (exit {p.exitcode})"
    return time.monotonic() - started


def test_events_round_trip_with_the_common_fields_and_chain(opener: Opener) -> None:
    trail = StoreAudit(opener(), actor="ci")
    trail.emit("evaluate", pr=3, sha="abc", tier="low", reasons=["x"])
    trail.emit("apply", sha="def", stack="payments/jobs", result="applied")
    read = trail.read()
    assert read.problems == []
    first, second = read.events
    assert [first["event"], second["event"]] == ["evaluate", "apply"]
    assert {k: first[k] for k in ("actor", "pr", "sha", "stack", "tier", "seq", "prev")} == {
        "actor": "ci",
        "pr": 3,
        "sha": "abc",
        "stack": None,
        "tier": "low",
        "seq": 1,
        "prev": "",
    }
    assert second["prev"] == first["hash"] and first["time"].endswith("+00:00")
    assert chain.verify(read.events) is None


def test_a_retried_event_is_written_once(opener: Opener) -> None:
    store = opener()
    first = store.append({"event": "merge", "pr": 1, "uid": "retry-me"})
    again = store.append({"event": "merge", "pr": 1, "uid": "retry-me"})
    assert again == first and len(store.events().events) == 1


def test_eight_processes_writing_at_once_lose_nothing(opener: Opener, record_property: Callable[..., None]) -> None:
    kind, where, name = _spec(opener)
    seconds = _processes(_write_events, [(kind, where, name, n, 200) for n in range(8)])
    read = opener().events()
    assert read.problems == [] and len(read.events) == 1600
    assert chain.verify(read.events) is None
    per_writer = {f"writer-{n}": [e["i"] for e in read.events if e["actor"] == f"writer-{n}"] for n in range(8)}
    assert all(v == list(range(200)) for v in per_writer.values())  # each writer's events, in its order
    record_property("events_per_second", round(1600 / seconds))
    print(f"\n{kind}: 1600 events from 8 processes in {seconds:.1f}s ({1600 / seconds:.0f} events/s)")


def test_concurrent_updates_of_one_document_are_atomic(opener: Opener) -> None:
    kind, where, name = _spec(opener)
    _processes(_increment, [(kind, where, name, 25) for _ in range(6)])
    assert opener().get("meta", "counter") == {"n": 150}


def test_an_edited_event_is_found_by_audit_verify(tmp_path: Path) -> None:
    root = _git_repo(tmp_path)
    store = GitStore(root)
    trail = StoreAudit(store)
    for n in range(5):
        trail.emit("merge", pr=n, merged=True)
    ok = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(root)])
    assert ok.exit_code == 0 and "5 event(s)" in ok.stdout and "the chain is intact" in ok.stdout

    def forge_third(snapshot: Any) -> tuple[list[tuple[str, bytes]], str, None]:
        lines = (snapshot.read("audit/000001.jsonl") or b"").splitlines()
        third = json.loads(lines[2])
        third["merged"] = False  # someone with push access rewrites history
        lines[2] = json.dumps(third, sort_keys=True).encode()
        return [("audit/000001.jsonl", b"\n".join(lines) + b"\n")], "tidy up", None

    store.transact(forge_third)
    broken = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(root)])
    assert broken.exit_code == 1
    assert "the chain breaks at event #3 (seq 3, merge at" in broken.stdout
    assert "its content does not match its hash (it was edited after it was written)" in broken.stdout


def test_a_removed_event_breaks_the_chain_after_it() -> None:
    events: list[dict[str, Any]] = []
    for n in range(4):
        events.append(chain.link(events[-1] if events else None, {"event": "open", "pr": n}))
    assert chain.verify(events) is None
    gap = chain.verify(events[:1] + events[2:])
    assert gap is not None and gap.index == 1 and "expected 2" in gap.why


def test_records_published_to_a_remote_by_racing_clones(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git.Repo.init(origin, bare=True)
    clones = []
    for n in range(3):
        clone = git.Repo.init(tmp_path / f"runner{n}")
        clone.create_remote("origin", str(origin))
        clones.append(str(clone.working_dir))
    threads = [
        threading.Thread(
            target=lambda c=c, n=n: [
                GitStore(Path(c), remote="origin").append({"event": "apply", "w": n, "i": i}) for i in range(15)
            ]
        )
        for n, c in enumerate(clones)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = git.Repo.init(tmp_path / "fresh")
    fresh.create_remote("origin", str(origin))
    read = GitStore(Path(fresh.working_dir), remote="origin").events()
    assert len(read.events) == 45 and chain.verify(read.events) is None


def test_a_lock_file_left_by_a_killed_writer_is_cleared(tmp_path: Path) -> None:
    root = _git_repo(tmp_path)
    store = GitStore(root)
    store.append({"event": "open"})
    lock = root / ".git/refs/ssops/records.lock"
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    store.append({"event": "merge"})
    assert [e["event"] for e in store.events().events] == ["open", "merge"] and not lock.exists()


def test_postgres_migrations_are_versioned_and_run_once(pg_url: str) -> None:
    import psycopg

    from ssops_ci.adapters.stores.postgres import MIGRATIONS, migrate

    with psycopg.connect(pg_url, autocommit=True) as conn:
        migrate(conn)
        assert migrate(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM ssops_migrations ORDER BY version")]
        assert versions == [v for v, _ in MIGRATIONS]


def test_webhook_receives_every_event_and_an_outage_is_not_fatal(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = GitStore(_git_repo(tmp_path))
    try:
        StoreAudit(store, webhook=f"http://127.0.0.1:{server.server_address[1]}/audit").emit("merge", pr=2, merged=True)
        assert received and received[0]["event"] == "merge" and received[0]["pr"] == 2 and received[0]["seq"] == 1
    finally:
        server.shutdown()
    down = StoreAudit(store, webhook="http://127.0.0.1:9/audit")
    down.emit("apply", pr=2)
    assert down.webhook_failures and [e["event"] for e in down.read().events] == ["merge", "apply"]


@pytest.mark.slow
def test_the_demo_runs_against_postgresql_and_reports_from_it(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import PROJECT

    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv("SSOPS_STORE", pg_url)
    demo = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "pgdemo")])
    assert demo.exit_code == 0, demo.output
    assert "records: PostgreSQL (postgresql://ssops@127.0.0.1:" in demo.stdout
    assert "merged with no human involved: 50%" in demo.stdout
    report = CliRunner().invoke(cli, ["report", "--repo", str(tmp_path / "pgdemo"), "--json"])
    assert report.exit_code == 0 and json.loads(report.stdout)["merged"] == 2
    verify = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(tmp_path / "pgdemo")])
    assert verify.exit_code == 0 and "the chain is intact" in verify.stdout
    # nothing went to the repository's own ref
    assert not (tmp_path / "pgdemo/.git/refs/ssops/records").exists()
