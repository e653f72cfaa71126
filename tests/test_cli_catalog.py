"""The authoring commands, run through the real CLI entry point."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from ssops_ci.commands.cli import cli
from tests.conftest import PROJECT, position_after, request_yaml


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(requests=True)


def test_committed_tree_is_rendered_and_valid() -> None:
    assert run("validate", "--repo", str(PROJECT)).exit_code == 0
    result = run("render", "--check", "--repo", str(PROJECT))
    assert result.exit_code == 0, result.stderr


def test_committed_schemas_are_current(tmp_path: Path) -> None:
    assert run("schema", "--repo", str(PROJECT), "--out", str(tmp_path)).exit_code == 0
    for fresh in tmp_path.iterdir():
        assert (PROJECT / "schemas" / fresh.name).read_text() == fresh.read_text(), "run ssops-ci schema --out schemas"


def test_render_then_check_is_clean(repo: Path) -> None:
    first = run("render", "--repo", str(repo))
    assert first.exit_code == 0
    assert "rendered 7 stack(s)" in first.stdout
    assert (repo / "rendered/payments/orders-db/main.tf").exists()
    assert run("render", "--check", "--repo", str(repo)).exit_code == 0
    again = run("render", "--repo", str(repo))
    assert "0 file(s) changed" in again.stdout


def test_check_reports_every_kind_of_mismatch(repo: Path) -> None:
    run("render", "--repo", str(repo))
    main = repo / "rendered/payments/orders-db/main.tf"
    main.write_text(main.read_text().replace("publicly_accessible    = false", "publicly_accessible    = true"))
    (repo / "requests/search/crawl-queue.yaml").unlink()
    queue = repo / "requests/payments/refund-events.yaml"
    queue.write_text(queue.read_text().replace("maxReceiveCount: 3", "maxReceiveCount: 4"))
    (repo / "rendered/payments/receipts/extra.tf").write_text("# mine\n")
    (repo / "rendered/search/indexer/versions.tf").unlink()
    result = run("render", "--check", "--repo", str(repo))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "rendered/payments/orders-db/main.tf: hand-edited: edited by hand (its checksum no longer matches)" in lines
    assert "rendered/payments/receipts/extra.tf: unexpected: not produced by the template" in lines
    assert "rendered/payments/refund-events/main.tf: stale: out of date with its request or template" in lines
    assert "rendered/search/crawl-queue/main.tf: orphaned: its request is gone" in lines
    assert "rendered/search/indexer/versions.tf: missing: not rendered yet" in lines
    assert lines[-1] == "6 file(s) under rendered/ are out of date: run `ssops-ci render`"
    # render repairs all of it, and removes the orphaned stack entirely
    assert run("render", "--repo", str(repo)).exit_code == 0
    assert run("render", "--check", "--repo", str(repo)).exit_code == 0
    assert not (repo / "rendered/search/crawl-queue").exists()


def test_invalid_request_writes_nothing(repo: Path) -> None:
    (repo / "requests/payments/broken.yaml").write_text(request_yaml(name="broken", spec="  fifo: maybe\n"))
    result = run("render", "--repo", str(repo))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "requests/payments/broken.yaml:10:9: spec.fifo: Input should be a valid boolean (got 'maybe')"
    )
    assert "nothing written" in result.stderr
    assert not (repo / "rendered").exists()
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_selected_paths_and_folders(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert run("validate", "requests/search").stdout.strip() == "ok: 4 request(s) valid"
    (repo / "requests/search/bad.yaml").write_text("apiVersion: ssops/v1\nkind: Queue\n")
    result = run("validate", "requests/search/bad.yaml")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "requests/search/bad.yaml:1:1: metadata: required field is missing",
        "1 request file(s) invalid, 0 valid",
    ]
    outside = run("validate", "/etc/passwd")
    assert outside.exit_code == 1
    assert outside.stderr.startswith("error: /etc/passwd is outside the repository")


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    result = run("validate", "--repo", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path} has no templates/ or policies/")


def test_catalog_json_lists_every_kind() -> None:
    result = run("catalog", "--json", "--repo", str(PROJECT))
    kinds = {k["kind"]: k for k in json.loads(result.stdout)["kinds"]}
    declared = {
        yaml.safe_load(p.read_text())["kind"] for p in (PROJECT / "templates").glob("*/template.yaml")
    }  # every folder's kind, however many the catalog holds
    assert set(kinds) == declared and len(declared) >= 5
    assert kinds["PostgresDatabase"]["parameters"]["size"]["enum"] == ["small", "medium", "large"]
    assert kinds["Function"]["parameters"]["artifact"]["required"] is True
    human = run("catalog", "--repo", str(PROJECT)).stdout
    assert "PostgresDatabase 1.0.0" in human and "storageGb" in human


def test_new_writes_a_valid_request_that_matches_its_schema(repo: Path, tmp_path: Path) -> None:
    result = run("new", "Function", "--team", "search", "--name", "thumbs", "--env", "dev", "--repo", str(repo))
    assert result.exit_code == 0, result.stderr
    path = repo / "requests/search/thumbs.yaml"
    assert run("validate", "--repo", str(repo), str(path)).exit_code == 0
    assert run("schema", "--repo", str(repo), "--out", str(tmp_path / "s")).exit_code == 0
    schema = json.loads((tmp_path / "s/Function.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**yaml.safe_load(path.read_text()), "spec": {"memoryMb": 1}}, schema)
    again = run("new", "Function", "--team", "search", "--name", "thumbs", "--env", "dev", "--repo", str(repo))
    assert again.exit_code == 1 and "already exists" in again.stderr
    unknown = run("new", "Mongo", "--team", "search", "--name", "x1", "--env", "dev", "--repo", str(repo))
    assert "unknown kind 'Mongo'" in unknown.stderr
    traversal = run("new", "Queue", "--team", "search", "--name", "../x", "--env", "dev", "--repo", str(repo))
    assert traversal.exit_code == 1
    assert traversal.stderr.startswith("error: --name '../x' must be lowercase letters, digits and single dashes")
    assert not (repo / "requests/x.yaml").exists()


def test_an_unwritable_output_path_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("schema", "--repo", str(repo), "--out", str(blocker / "schemas"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {blocker / 'schemas'}: Not a directory; check the path")
    assert "internal error" not in result.stderr


def test_broken_template_declaration_fails_closed(repo: Path) -> None:
    decl = repo / "templates/queue/template.yaml"
    at = position_after(decl, "version: ")
    decl.write_text(decl.read_text().replace("version: 1.0.0", "version: one"))
    result = run("validate", "--repo", str(repo))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"templates/queue/template.yaml:{at}: version: String should match pattern")


def test_internal_errors_do_not_show_a_traceback(repo: Path) -> None:
    shutil.rmtree(repo / "policies")
    (repo / "policies").mkdir()
    (repo / "policies/teams.yaml").write_bytes(b"\xff\xfe")
    result = run("render", "--repo", str(repo))
    assert result.exit_code == 1
    assert "policies/teams.yaml:1:1: file is not valid UTF-8" in result.stderr
    assert "policies/platform.yaml:1:1: required file is missing" in result.stderr
