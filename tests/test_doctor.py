"""`ssops-ci doctor` against the GitHub double: what is missing, and how to fix it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ssops_ci.commands.cli import cli
from tests.github_double.fixture import World


def doctor(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("GITHUB_TOKEN", "ci-token")
    result = CliRunner().invoke(
        cli, ["doctor", "--repo", str(world.dev.root), "--github-repo", "acme/ssops", "--api-url", world.double.url]
    )
    return result.exit_code, result.stdout + result.stderr


def test_a_fresh_repository_is_told_what_to_fix(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.dev.write(".github/CODEOWNERS", "/templates/ @acme/platform\n")
    code, out = doctor(world, monkeypatch)
    assert code == 1
    assert "FAIL main is protected" in out
    assert "fix: Settings > Branches > main: require status check ssops-ci/risk" in out
    assert "FAIL the default workflow token is read-only" in out
    assert "FAIL CODEOWNERS gives /policies/ to @acme/platform" in out
    assert "fix: add alice, bob to @acme/payments or remove them from policies/teams.yaml" in out


def test_a_hardened_repository_passes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PROJECT

    world.dev.write(".github/CODEOWNERS", (PROJECT / ".github/CODEOWNERS").read_text())
    for name in ("evaluate.yml", "review.yml", "apply.yml"):
        world.dev.write(f".github/workflows/{name}", (PROJECT / ".github/workflows" / name).read_text())
    d = world.double
    d.protected, d.required_contexts, d.workflow_permissions = True, ["ssops-ci/risk"], "read"
    d.team_members = {
        "platform": ["pat-platform", "quinn-platform"],
        "payments": ["alice", "bob"],
        "search": ["carol", "dave"],
    }
    code, out = doctor(world, monkeypatch)
    assert code == 0, out
    assert "FAIL" not in out and "checks pass" in out


def test_offline_needs_no_api() -> None:
    from tests.conftest import PROJECT

    result = CliRunner().invoke(cli, ["doctor", "--offline", "--repo", str(PROJECT)])
    assert result.exit_code == 0, result.stdout
