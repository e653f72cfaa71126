"""The terraform engine for real: Terraform 1.0.3 and the null provider, offline, on git repos."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ssops_ci.adapters.engines import choose_engine
from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.terraform import TerraformEngine
from ssops_ci.app.scope import prepare, scope
from ssops_ci.config.platform import Platform
from ssops_ci.model.problems import PlatformFault, SsopsError
from ssops_ci.model.report import Report
from ssops_ci.model.stack import StackJob
from tests import nullkind
from tests.conftest import Repo, evaluate, plan_report

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
    # A template that renders invalid Terraform is the platform's to fix, whatever value exposed it.
    assert bad.error.startswith(
        "payments/bad: platform problem, not the request: terraform plan failed for payments/bad: "
        "the rendered Terraform is invalid"
    )
    assert "does_not_exist" in bad.error
    assert bad.platform_fault is not None and "templates/" in bad.platform_fault


def test_init_failure_names_the_stack_and_the_fix(tfrepo: Repo) -> None:
    tfrepo.edit("policies/platform.yaml", "    type: local", "    type: nosuchbackend")
    tfrepo.commit("break the backend", render=False)
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing"))
    tfrepo.commit()
    s = plan(tfrepo).stack("payments/thing")
    assert s.status == "error"
    assert s.error is not None and "terraform init failed for payments/thing" in s.error
    assert s.platform_fault is not None
    assert s.platform_fault.startswith("terraform.backend in policies/platform.yaml (nosuchbackend")


def test_no_binary_means_static_unless_asked(tfrepo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    tfrepo.edit("policies/platform.yaml", "  binary: ", "  binary: /nonexistent/")
    tfrepo.commit("no binary", render=False)
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing"))
    tfrepo.commit()
    assert plan(tfrepo).engine == "static"
    with pytest.raises(SsopsError, match="binary on PATH"):
        plan_report(tfrepo.root, "main", "HEAD", engine="terraform")


# ----------------------------------------------------------------------------- the platform's failures

LOCAL_BACKEND = "  backend:\n    type: local\n    config:\n      path: .ssops/tfstate/{stack}.tfstate\n"


def use_s3_backend(repo: Repo, endpoint: str | None = None, version: str | None = None) -> None:
    """Point the base's backend at S3 (at `endpoint` when given: a loopback stand-in) and commit it."""
    lines = ["  backend:", "    type: s3", "    config:", "      bucket: acme-tfstate", "      key: '{stack}.tfstate'"]
    lines += ["      region: us-east-1", "      max_retries: '0'", "      skip_metadata_api_check: 'true'"]
    if endpoint:
        lines += [f"      endpoint: {endpoint}", "      force_path_style: 'true'"]
        lines += ["      skip_credentials_validation: 'true'"]
    text = "\n".join(lines) + "\n" + (f"  version: {version}\n" if version else "")
    repo.edit("policies/platform.yaml", LOCAL_BACKEND, text)
    repo.commit("state in S3", render=False)


@pytest.fixture
def no_cloud_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


class DenyingS3(BaseHTTPRequestHandler):
    """Answers every request as S3 does a role without access to the bucket."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        DenyingS3.seen.append(self.path)
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied'
            b"</Message><RequestId>7Q1F</RequestId><HostId>h0st</HostId></Error>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


def test_missing_cloud_credentials_are_the_platforms_problem(tfrepo: Repo, no_cloud_credentials: None) -> None:
    use_s3_backend(tfrepo)
    tfrepo.branch("add")
    tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing").replace("CC-1", "CC-1234"))
    tfrepo.commit()
    report = evaluate(tfrepo.root, "main", "HEAD", scanner=None)
    s = report.stack("payments/thing")
    assert s.status == "error"
    assert s.error is not None and "platform problem, not the request" in s.error
    assert "no valid credential sources" in s.error  # Terraform's own words stay, for the platform team
    assert s.platform_fault is not None and "repository variable SSOPS_AWS_PLAN_ROLE" in s.platform_fault
    assert report.risk is not None and report.risk.tier == "blocked"  # nothing unplanned merges
    assert report.decision is not None
    assert report.decision.next_step.startswith("Nothing to change in your request")
    assert "SSOPS_AWS_PLAN_ROLE" in report.decision.next_step
    assert not any(item.startswith("requests/") for item in report.decision.blocked_by)


def test_a_state_bucket_refusing_the_role_names_the_bucket_and_the_access(
    tfrepo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DenyingS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    try:
        use_s3_backend(tfrepo, endpoint=f"http://127.0.0.1:{server.server_port}")
        tfrepo.branch("add")
        tfrepo.write("requests/payments/thing.yaml", nullkind.request("thing"))
        tfrepo.commit()
        s = plan(tfrepo).stack("payments/thing")
        with pytest.raises(PlatformFault) as applying:
            apply(tfrepo)
    finally:
        server.shutdown()
    assert any("acme-tfstate" in path for path in DenyingS3.seen)  # Terraform really asked the bucket
    assert s.platform_fault is not None
    assert s.platform_fault.startswith(
        "grant the read-only plan role (repository variable SSOPS_AWS_PLAN_ROLE) read access to the state"
    )
    assert "bucket=acme-tfstate, region=us-east-1" in s.platform_fault
    assert "AccessDenied" in (s.error or "")
    # Applying asks more of another role, and says so.
    assert "the apply role (repository variable SSOPS_AWS_APPLY_ROLE) read and write access" in applying.value.setting


def test_the_pinned_terraform_version_is_the_one_that_runs(tfrepo: Repo) -> None:
    use_s3_backend(tfrepo, version="1.9.8")
    pinned = r"is Terraform 1\.0\.3, but policies/platform\.yaml pins terraform\.version 1\.9\.8: install 1\.9\.8"
    with pytest.raises(SsopsError, match=pinned):  # never quietly planned with the static engine instead
        choose_engine(None, base_platform(tfrepo), tfrepo.root, purpose="plan", warn=print)
    tfrepo.edit("policies/platform.yaml", "version: 1.9.8", "version: 1.0.3")
    tfrepo.commit("pin what runs", render=False)
    assert isinstance(choose_engine(None, base_platform(tfrepo), tfrepo.root, purpose="plan"), TerraformEngine)


def base_platform(repo: Repo) -> Platform:
    setup = scope(GitRepository.open(repo.root), "main", "HEAD").base.setup
    assert setup is not None and setup.platform is not None
    return setup.platform
