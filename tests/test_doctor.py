"""`ssops-ci doctor` against the GitHub double: what is missing, and how to fix it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssops_ci.commands.cli import cli
from tests.conftest import PROJECT
from tests.github_double.fixture import APP_ID, APP_PERMISSIONS, World


def doctor(world: World, monkeypatch: pytest.MonkeyPatch, *, as_app: bool = False) -> tuple[int, str]:
    monkeypatch.setenv("GITHUB_TOKEN", "ci-token")
    if as_app:
        monkeypatch.setenv("SSOPS_APP_ID", str(APP_ID))
        monkeypatch.setenv("SSOPS_APP_PRIVATE_KEY", world.app_private_key)
    result = CliRunner().invoke(
        cli, ["doctor", "--repo", str(world.dev.root), "--github-repo", "acme/ssops", "--api-url", world.double.url]
    )
    return result.exit_code, result.stdout + result.stderr


def test_a_fresh_repository_is_told_what_to_fix(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.dev.write(".github/CODEOWNERS", "/templates/ @acme/platform\n")
    code, out = doctor(world, monkeypatch)
    assert code == 1
    assert "WARN ssops-ci acts as a GitHub App, so the gate cannot be forged" in out
    assert "FAIL ssops-ci/risk is a required check on main (branch protection or a ruleset)" in out
    assert "fix: Settings > Rules (or Branches) > main: require status check ssops-ci/risk" in out
    assert "FAIL the default workflow token is read-only" in out
    assert "FAIL CODEOWNERS gives /policies/ to @acme/platform" in out
    # the Actions token cannot read protection or teams: said so, not guessed
    assert "WARN main's protection can be read" in out and "needs an admin token or an App" in out
    assert "FAIL @acme/payments exists and can be read" in out


def test_a_hardened_repository_passes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.dev.write(".github/CODEOWNERS", (PROJECT / ".github/CODEOWNERS").read_text())
    world.install_app()
    d = world.double
    d.apps[APP_ID].permissions = {**APP_PERMISSIONS, "administration": "read", "members": "read"}
    d.protected, d.required_checks, d.workflow_permissions = True, [("ssops-ci/risk", APP_ID)], "read"
    d.review_rules = {"dismiss_stale_reviews": True, "require_last_push_approval": True}
    d.restrictions = {"users": [], "apps": ["ssops-ci"]}
    d.environments = {
        name: {"deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False}}
        for name in ("ssops-gate", "production")
    }
    d.team_members = {
        "platform": ["pat-platform", "quinn-platform"],
        "payments": ["alice", "bob"],
        "search": ["carol", "dave"],
    }
    code, out = doctor(world, monkeypatch, as_app=True)
    assert code == 0, out
    assert "FAIL" not in out and "WARN" not in out and "checks pass" in out
    assert "ok   ssops-ci acts as the GitHub App ssops-ci[bot]" in out


def test_a_required_check_from_any_source_is_forgeable(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.install_app()
    world.double.protected, world.double.required_contexts = True, ["ssops-ci/risk"]
    _, out = doctor(world, monkeypatch, as_app=True)
    assert "FAIL ssops-ci/risk must come from the ssops-ci GitHub App" in out
    assert "from any source, anyone with write access can satisfy it" in out


def test_approvals_required_on_every_pr_stop_low_risk_merges(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.install_app()
    world.double.apps[APP_ID].permissions = {**APP_PERMISSIONS, "administration": "read"}
    world.double.protected, world.double.required_checks = True, [("ssops-ci/risk", APP_ID)]
    world.double.review_rules = {"required_approving_review_count": 2, "dismiss_stale_reviews": True}
    _, out = doctor(world, monkeypatch, as_app=True)
    assert "WARN low-risk pull requests can merge without an approval" in out
    assert "main requires 2 approving review(s) on every PR, so GitHub refuses" in out
    assert "ok   a push dismisses stale approvals" in out


def test_offline_needs_no_api() -> None:
    result = CliRunner().invoke(cli, ["doctor", "--offline", "--repo", str(PROJECT)])
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize(
    ("appended", "lost"),
    [
        ("", []),
        # GitHub reads CODEOWNERS bottom-up: a broader line later takes the folder's files away
        ("*.yaml @acme/contractors\n", ["/templates/", "/policies/", "/requests/payments/", "/requests/search/"]),
        ("/requests/ @acme/everyone\n", ["/requests/payments/", "/requests/search/"]),
        ("/policies/*.py @acme/contractors\n", []),  # risk.yaml is still the platform's
    ],
)
def test_codeowners_is_read_as_github_reads_it(tmp_path: Path, appended: str, lost: list[str]) -> None:
    from ssops_ci.adapters.worktree import WorkTree
    from ssops_ci.config import teams
    from ssops_ci.ops.doctor import codeowners

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/CODEOWNERS").write_text((PROJECT / ".github/CODEOWNERS").read_text() + appended)
    found = codeowners(tmp_path, teams.load(WorkTree(PROJECT)))
    failing = [c.what.split(" gives ")[1].split(" to ")[0] for c in found if not c.ok]
    assert failing == lost


def test_the_workflows_install_the_pinned_terraform(make_repo: Callable[..., Path]) -> None:
    root = make_repo()
    shutil.copytree(PROJECT / ".github", root / ".github")
    result = CliRunner().invoke(cli, ["doctor", "--offline", "--repo", str(root)])
    assert result.exit_code == 0, result.stdout
    assert "ok   the workflows install Terraform 1.9.8, as policies/platform.yaml pins" in result.stdout

    drift = root / ".github/workflows/drift.yml"
    drift.write_text(drift.read_text().replace('terraform_version: "1.9.8"', 'terraform_version: "1.9.7"'))
    result = CliRunner().invoke(cli, ["doctor", "--offline", "--repo", str(root)])
    assert result.exit_code == 1
    assert "fix: set setup-terraform's terraform_version to 1.9.8 in drift.yml: 1.9.7" in result.stdout
