"""The terraform engine for real: Terraform 1.0.3 and the null provider, offline, on git repos."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ssops_ci.adapters.engines import choose_engine
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.terraform import TerraformEngine
from ssops_ci.app.scope import prepare, scope
from ssops_ci.model.report import Report
from ssops_ci.model.stack import StackJob
from tests import nullkind
from tests.conftest import Repo, plan_report

pytestmark = pytest.mark.slow


@pytest.fixture
def tfrepo(
    gitrepo: Callable[..., Repo],
    terraform_bin: Path,
    null_provider_mirror: Path,
    tf_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Repo:
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", tf_env["TF_CLI_CONFIG_FILE"])
    repo = gitrepo(requests=False)
    nullkind.install(repo.root, terraform_bin, null_provider_mirror)
    repo.commit("null kind", render=False)
    return repo


def plan(repo: Repo, base: str = "main", head: str = "HEAD") -> Report:
    return plan_report(repo.root, base, head)


def apply(repo: Repo, base: str = "main", head: str = "HEAD") -> None:
    """Apply what a plan of base..head shows, the way the apply stage will."""
    s = scope(GitRepository.open(repo.root), base, head)
    engine = choose_engine(None, s.base.setup.platform if s.base.setup else None, repo.root, purpose="apply")
    assert isinstance(engine, TerraformEngine)
    for t in s.affected.touched.values():
        p = prepare(t, s)
        wd, planfile = engine.plan_file(StackJob(id=t.id, before=p.before.stack, after=p.after.stack), label="apply")
        subprocess.run(
            [engine.binary, "apply", "-input=false", planfile.name],
            cwd=wd,
            env=engine.env,
            check=True,
            capture_output=True,
        )


def merge(repo: Repo, branch: str) -> None:
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"merge {branch}", branch)


def test_create_replace_destroy_on_real_terraform(tfrepo: Repo) -> None:
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing", copies=1))
    tfrepo.commit()
    report = plan(tfrepo)
    assert report.engine == "terraform"
    s = report.stack("payments/thing")
    assert s.status == "ok", s.error
    assert {c.address: c.action for c in s.changes} == {
        "null_resource.this": "create",
        "null_resource.copy_0": "create",
    }
    created = next(c for c in s.changes if c.address == "null_resource.this")
    assert created.diff["triggers"].after == {"value": "one", "team": "payments"}
    assert created.diff["id"].after == "(known after apply)"
    apply(tfrepo)
    merge(tfrepo, "add")
    state = tfrepo.root / ".ssops/tfstate/payments/thing.tfstate"
    assert state.exists()

    tfrepo.branch("change")
    tfrepo.edit("requests/payments/thing.yaml", "value: one", "value: two")
    tfrepo.edit("requests/payments/thing.yaml", "copies: 1", "copies: 2")
    tfrepo.commit()
    s = plan(tfrepo).stack("payments/thing")
    assert {c.address: c.action for c in s.changes} == {
        "null_resource.this": "replace",
        "null_resource.copy_0": "no-op",
        "null_resource.copy_1": "create",
    }
    replaced = next(c for c in s.changes if c.address == "null_resource.this")
    assert replaced.replace_because == ["triggers"]
    assert replaced.diff["triggers"].before == {"value": "one", "team": "payments"}
    assert replaced.diff["triggers"].after == {"value": "two", "team": "payments"}

    tfrepo.branch("remove")
    tfrepo.remove("requests/payments/thing.yaml")
    tfrepo.commit()
    s = plan(tfrepo).stack("payments/thing")
    assert s.reason == "request-deleted"
    assert {c.address: c.action for c in s.changes} == {
        "null_resource.this": "delete",
        "null_resource.copy_0": "delete",
    }


def test_plan_failure_marks_only_that_stack(tfrepo: Repo) -> None:
    tfrepo.branch("two")
    tfrepo.write("requests/payments/good.yaml", nullkind.request("good"))
    tfrepo.write("requests/payments/bad.yaml", nullkind.request("bad", broken=True))
    tfrepo.commit()
    report = plan(tfrepo)
    good, bad = report.stack("payments/good"), report.stack("payments/bad")
    assert good.status == "ok" and good.counts["create"] == 2
    assert bad.status == "error" and bad.changes == []
    assert bad.error is not None
    assert bad.error.startswith("payments/bad: terraform plan failed for payments/bad (exit 1):")
    assert "does_not_exist" in bad.error
    assert "fix:" in bad.error


def test_init_failure_names_the_stack_and_the_fix(tfrepo: Repo) -> None:
    tfrepo.edit("policies/platform.yaml", "    type: local", "    type: nosuchbackend")
    tfrepo.commit("break the backend", render=False)
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing"))
    tfrepo.commit()
    s = plan(tfrepo).stack("payments/thing")
    assert s.status == "error"
    assert s.error is not None and "terraform init failed for payments/thing" in s.error
    assert "check terraform.backend in policies/platform.yaml" in s.error


def test_no_binary_means_static_unless_asked(tfrepo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    tfrepo.edit("policies/platform.yaml", "  binary: ", "  binary: /nonexistent/")
    tfrepo.commit("no binary", render=False)
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing"))
    tfrepo.commit()
    assert plan(tfrepo).engine == "static"
    from ssops_ci.model.problems import SsopsError

    with pytest.raises(SsopsError, match="binary on PATH"):
        plan_report(tfrepo.root, "main", "HEAD", engine="terraform")
