"""`render` with its cache, and `render --check --base`: same answers as rendering everything, less work."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from bench import gitops
from bench.gen import generate
from ssops_ci.commands.cli import cli


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["render", "--repo", str(root), *args])


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted((root / "rendered").rglob("*.tf"))}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_cache_renders_exactly_what_rendering_everything_gives(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = generate(root, 40, teams=4, git=True, render=True)
    assert run(root, "--check").exit_code == 0  # cold: fills the cache
    assert (root / ".ssops/cache").is_dir()
    assert run(root, "--check").exit_code == 0  # warm
    # a template change: every Queue is out of date, with and without the cache, and renders alike
    _edit(
        root / "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300",
        "kms_data_key_reuse_period_seconds = 600",
    )
    _edit(root / paths[0], "generated request", "edited request")
    twin = tmp_path / "twin"
    shutil.copytree(root, twin, ignore=shutil.ignore_patterns(".ssops", ".git"))
    cached, uncached = run(root, "--check"), run(twin, "--check", "--no-cache")
    assert cached.exit_code == uncached.exit_code == 1
    assert cached.output == uncached.output and "stale" in cached.output
    assert run(root).exit_code == 0 and run(twin, "--no-cache").exit_code == 0
    assert _tree(root) == _tree(twin)
    assert run(root, "--check").exit_code == 0


def test_damaged_cache_entries_are_rendered_again(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    generate(root, 12, teams=2, git=True, render=True)
    expected = _tree(root)
    assert run(root, "--check").exit_code == 0
    [db] = (root / ".ssops/cache").glob("*.sqlite3")
    with sqlite3.connect(db) as c:
        c.execute("""UPDATE entries SET value = CASE WHEN key < '8' THEN '{"files": {"main.tf": 1}}' ELSE '{' END""")
    shutil.rmtree(root / "rendered")
    result = run(root)
    assert result.exit_code == 0, result.output
    assert _tree(root) == expected


def _branch(root: Path) -> list[str]:
    paths = generate(root, 30, teams=3, git=True, render=True)
    gitops.git(root, "checkout", "-q", "-b", "feature")
    return paths


def test_check_since_base_looks_at_what_the_branch_changed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = _branch(root)
    # a stale file already on the base is not the branch's doing: only the full check sees it
    gitops.git(root, "checkout", "-q", "main")
    stale_on_base = next((root / "rendered").rglob("main.tf"))
    stale_on_base.write_text(stale_on_base.read_text() + "# hand edit\n")
    gitops.commit_all(root, "a hand edit on main")
    gitops.git(root, "checkout", "-q", "feature")
    gitops.git(root, "merge", "-q", "main")
    result = run(root, "--check", "--base", "main")
    assert result.exit_code == 0, result.output
    assert "ok: rendered/ matches 0 stack(s) changed since main" in result.output
    assert run(root, "--check").exit_code == 1
    # the branch edits a request and forgets to render it
    _edit(root / paths[3], "generated request", "edited request")
    gitops.commit_all(root, "edit without render")
    result = run(root, "--check", "--base", "main")
    assert result.exit_code == 1
    stack = paths[3].removeprefix("requests/").removesuffix(".yaml")
    assert f"rendered/{stack}/" in result.output and "stale" in result.output
    assert str(stale_on_base.relative_to(root)) not in result.output


def test_check_since_base_follows_a_template_change_to_every_stack_it_reaches(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _branch(root)
    _edit(
        root / "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300",
        "kms_data_key_reuse_period_seconds = 600",
    )
    gitops.commit_all(root, "template change without render")
    queues = {
        p.parent.relative_to(root).as_posix()
        for p in (root / "rendered").rglob("main.tf")
        if " with Queue@" in p.read_text()
    }
    result = run(root, "--check", "--base", "main")
    assert result.exit_code == 1
    assert queues and all(q in result.output for q in queues)


def test_check_since_base_refuses_uncommitted_work_and_a_lone_base(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = _branch(root)
    _edit(root / paths[0], "generated request", "edited request")
    result = run(root, "--check", "--base", "main")
    assert result.exit_code == 1
    assert f"uncommitted changes (first: {paths[0]})" in result.output
    assert "Traceback" not in result.output
    result = run(root, "--base", "main")
    assert result.exit_code == 1 and "--base only goes with --check" in result.output
    result = run(tmp_path, "--check", "--base", "main")
    assert result.exit_code == 1 and "not a git checkout" in result.output
