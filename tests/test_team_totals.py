"""Team totals from cached per-request summaries: the same report, byte for byte, as computing everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import git

from bench import gitops
from bench.gen import generate, render_quietly
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.evaluate import evaluate
from ssops_ci.ops import wiring


def _report(root: Path, *, cache: bool) -> str:
    services = wiring.services(GitRepository(git.Repo(root)), cache=cache)
    return evaluate(services, "main", "feature").report.model_dump_json(indent=1)


def _entries(root: Path) -> sqlite3.Connection:
    [db] = (root / ".ssops/cache").glob("*.sqlite3")
    return sqlite3.connect(db)


def _pull_request(root: Path, edits: dict[str, tuple[str, str]], message: str) -> None:
    gitops.git(root, "checkout", "-q", "-B", "feature", "main")
    for rel, (old, new) in edits.items():
        p = root / rel
        p.write_text(p.read_text().replace(old, new))
    render_quietly(root)
    gitops.commit_all(root, message)


def test_the_cache_changes_no_figure_cold_warm_or_after_an_edit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = generate(root, 240, teams=4, git=True, render=True)
    cache = root / ".ssops/cache"
    # a PR that changes one request's size: its team's total moves
    bigger = next(
        p for p in paths if "PostgresDatabase" in (root / p).read_text() and "size: small" in (root / p).read_text()
    )
    _pull_request(root, {bigger: ("size: small", "size: medium")}, "bigger")
    uncached = _report(root, cache=False)
    assert not cache.exists()
    cold = _report(root, cache=True)
    entries = _entries(root).execute("SELECT count(*) FROM entries").fetchone()[0]
    warm = _report(root, cache=True)
    assert uncached == cold == warm
    assert entries >= 50  # one per request of the team whose total moved
    assert '"monthly_after"' in uncached and '"teams": {}' not in uncached
    # a second PR edits a request the cache already knows: its new content is a new key, not a stale hit
    gitops.git(root, "checkout", "-q", "main")
    _pull_request(root, {bigger: ("size: small", "size: medium"), paths[1]: ("generated request", "edited")}, "two")
    assert _report(root, cache=True) == _report(root, cache=False)


def test_damaged_cache_entries_are_computed_again(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = generate(root, 60, teams=2, git=True, render=True)
    _pull_request(root, {paths[0]: ("generated request", "edited request")}, "edit")
    expected = _report(root, cache=False)
    _report(root, cache=True)
    with _entries(root) as db:  # truncated, or not an object
        db.execute("""UPDATE entries SET value = CASE WHEN key < '8' THEN '{"parts": [1e9]' ELSE '[]' END""")
    assert _report(root, cache=True) == expected
    # a cache file that is no database at all: the run goes on without a cache
    [path] = (root / ".ssops/cache").glob("*.sqlite3")
    for extra in path.parent.glob(path.name + "-*"):
        extra.unlink()
    path.write_bytes(b"this is not a database" * 100)
    assert _report(root, cache=True) == expected


def test_scans_are_remembered_per_stack_and_change_no_finding(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ssops_ci.adapters.checkov import CheckovScanner

    root = tmp_path / "repo"
    paths = generate(root, 30, teams=2, git=True, render=True)
    # a platform change that reaches every Queue, and a request edit
    _pull_request(
        root,
        {
            "templates/queue/main.tf.j2": (
                "kms_data_key_reuse_period_seconds = 300\n  tags",
                "kms_data_key_reuse_period_seconds = 600\n  tags",
            ),
            paths[0]: ("generated request", "edited request"),
        },
        "template change",
    )
    scanned: list[int] = []
    run = CheckovScanner._run

    def counting(self, where, checks):  # type: ignore[no-untyped-def]
        scanned.append(len(list(Path(where).glob("rendered/*/*"))))
        return run(self, where, checks)

    monkeypatch.setattr(CheckovScanner, "_run", counting)
    uncached = _report(root, cache=False)
    cold = _report(root, cache=True)
    warm = _report(root, cache=True)
    assert uncached == cold == warm
    assert '"source": "checkov"' in uncached  # checkov really reported (accepted exceptions at least)
    assert scanned[0] == scanned[1] > 5 and scanned[2:] == []  # the warm run scanned nothing
    # one more edit: only that stack is scanned again
    gitops.git(root, "checkout", "-q", "main")
    _pull_request(root, {paths[0]: ("generated request", "edited twice")}, "again")
    scanned.clear()
    assert _report(root, cache=True) == _report(root, cache=False)
    assert scanned[0] == 1


def test_other_versions_caches_are_removed_after_two_weeks_unused(tmp_path: Path) -> None:
    import os
    import time

    from ssops_ci.adapters.cache import DiskCache, code_digest

    root = tmp_path / "cache"
    (root / "0123456789abcdef" / "ab").mkdir(parents=True)  # the old one-file-per-entry layout
    (root / "0123456789abcdef" / "ab" / "key.json").write_text("{}")
    stale, fresh = root / "fedcba9876543210.sqlite3", root / "00000000000000aa.sqlite3"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    weeks_ago = time.time() - 15 * 24 * 3600
    for p in (stale, root / "0123456789abcdef"):
        os.utime(p, (weeks_ago, weeks_ago))
    os.utime(fresh, (time.time() - 24 * 3600,) * 2)
    cache = DiskCache(root)
    cache.put("k", {"v": 1})
    assert cache.get("k") == {"v": 1}
    left = sorted(p.name for p in root.iterdir())
    assert fresh.name in left and stale.name not in left and "0123456789abcdef" not in left
    assert f"{code_digest()}.sqlite3" in left
