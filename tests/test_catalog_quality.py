"""Every kind, in every environment, renders to fmt-canonical Terraform that checkov passes."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssops_ci.adapters.aws_reference import provider_schemas
from ssops_ci.adapters.checkov import CATALOG_FACTS, catalog_facts
from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config.catalog import Catalog, Example
from ssops_ci.config.setup import Setup
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Stack
from ssops_ci.stages.price_builder import blocks
from ssops_ci.stages.render import Renderer
from tests.conftest import PROJECT

ENVS = ("dev", "staging", "prod")
# Resource types AWS cannot tag; everything else must carry the standard tags.
UNTAGGABLE = {
    "aws_kms_alias",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_allow_policy",
    "aws_secretsmanager_secret_version",
    "random_password",
    "random_id",
}


def all_stacks() -> Iterator[tuple[Setup, Stack]]:
    g = load_setup(WorkTree(PROJECT))
    renderer = Renderer(g.catalog, g.platform)
    # whatever the catalog holds: each kind's examples (template.yaml), or its defaults when it has none
    for kind_name, kind in sorted(g.catalog.kinds.items()):
        model = kind.request_model
        for env in ENVS:
            for i, example in enumerate(kind.spec.examples or [Example()]):
                spec = example.spec
                if env not in (example.environments or ENVS):
                    continue
                name = f"{kind_name.lower()[:10]}-{i}"
                body = {
                    "apiVersion": "ssops/v1",
                    "kind": kind_name,
                    "metadata": {"name": name, "team": "search", "environment": env, "costCenter": "CC-1"},
                    "spec": spec,
                }
                m = model.model_validate(body)
                req = Request(
                    path=f"requests/search/{name}.yaml",
                    kind=kind_name,
                    name=f"{name}-{env}"[:40],
                    team="search",
                    environment=env,
                    cost_center="CC-1",
                    description="",
                    spec=m.spec.model_dump(),  # type: ignore[attr-defined]
                    waivers=[],
                )
                yield g, renderer.render(req)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[Setup, Stack]]]:
    root = tmp_path_factory.mktemp("catalog")
    stacks = list(all_stacks())
    for _, stack in stacks:
        for path, text in stack.paths().items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
    return root, stacks


def org_checks(where: Path, catalog: Catalog) -> Path:
    """The org's checks as ssops-ci hands them to checkov: with the catalog's facts beside them."""
    checks = where / "_checks"  # checkov reads only .tf files under a root_folder holding this
    shutil.copytree(PROJECT / "policies/checkov/checks", checks)
    (checks / CATALOG_FACTS).write_text(catalog_facts(catalog))
    return checks


@pytest.mark.slow
def test_rendered_stacks_are_terraform_fmt_canonical(
    rendered: tuple[Path, list[tuple[Setup, Stack]]], terraform_bin: Path
) -> None:
    root, _ = rendered
    out = subprocess.run(
        [str(terraform_bin), "fmt", "-check", "-diff", "-recursive", str(root / "rendered")],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_checkov_fails_only_the_declared_exceptions(
    rendered: tuple[Path, list[tuple[Setup, Stack]]],
) -> None:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner

    root, stacks = rendered
    # the org's own checks too, as `plan` runs them (not only when an earlier test happened to load them)
    report = Runner().run(
        root_folder=str(root),
        external_checks_dir=[str(org_checks(root, stacks[0][0].catalog))],
        runner_filter=RunnerFilter(framework=["terraform"], download_external_modules=False),
    )
    assert not report.parsing_errors
    by_dir = {s.dir: (g, s) for g, s in stacks}
    failed: dict[str, set[str]] = {}
    for rec in report.failed_checks:
        failed.setdefault(str(Path(rec.file_path.lstrip("/")).parent), set()).add(rec.check_id)
    used: set[tuple[str, str, str]] = set()
    unexpected = []
    for stack_dir, ids in failed.items():
        g, stack = by_dir[stack_dir]
        allowed = {
            e.id for e in g.catalog.kinds[stack.kind].spec.checkov_exceptions if stack.environment in e.environments
        }
        unexpected += [f"{stack_dir}: {i}" for i in sorted(ids - allowed)]
        used |= {(stack.kind, stack.environment, i) for i in ids & allowed}
    assert not unexpected, "checks failing that the template claims to satisfy"
    assert len(report.passed_checks) > 20 * len(stacks)  # checkov really ran its AWS checks
    assert {"CKV_SSOPS_2", "CKV2_SSOPS_1"} <= {rec.check_id for rec in report.passed_checks}  # and the org's
    # Every declared exception must really be needed, or the list hides nothing but stale text.
    g = stacks[0][0]
    for kind in g.catalog.kinds.values():
        for exc in kind.spec.checkov_exceptions:
            for env in exc.environments:
                assert (kind.name, env, exc.id) in used, f"{kind.name} exception {exc.id} in {env} is never needed"


def test_every_taggable_resource_carries_the_standard_tags() -> None:
    for _, stack in all_stacks():
        for res in stack.resources:
            if res.mode != "managed":
                continue
            if res.type in UNTAGGABLE:
                assert "tags" not in res.attrs, res.address
            else:
                assert res.attrs.get("tags") == "${local.tags}", f"{stack.id} {res.address}"
        [locals_file] = [t for t in stack.files.values() if "locals {" in t]
        for key in ("team", "environment", "cost-center", "managed-by", "ssops-request"):
            assert f"    {key} " in locals_file


def test_every_resource_type_is_declared_in_its_template() -> None:
    for g, stack in all_stacks():
        declared = g.catalog.kinds[stack.kind].spec.resources
        for res in stack.resources:
            if res.mode == "managed":
                assert res.type in declared, f"{stack.kind} renders {res.type} but template.yaml does not declare it"


KEY_ARGUMENTS = {"kms_key_id", "kms_master_key_id", "kms_key_arn"}


def test_every_resource_that_takes_a_kms_key_says_where_for_the_orgs_check() -> None:
    """CKV_SSOPS_2 knows a type only through `encryption_key` in template.yaml: a kind that renders a type
    taking a key and does not say so would leave that data unchecked."""
    schemas = provider_schemas()
    for g, stack in all_stacks():
        declared = g.catalog.kinds[stack.kind].spec.resources
        for res in stack.resources:
            takes = KEY_ARGUMENTS & set(schemas.get(res.type, {}).get("args", []))
            if res.mode == "managed" and takes and res.type != "aws_kms_key":
                assert declared[res.type].encryption_key in takes, f"{stack.kind}: {res.type}.encryption_key"
    # and every declaration names an argument the provider really has, blocks included
    for rtype, path in g.catalog.encryption_keys().items():
        *blocks_in, argument = path.split("/")
        block = schemas[rtype]
        for name in blocks_in:
            assert name in block["blocks"], f"{rtype}: {path}"
            block = block["blocks"][name]
        assert argument in block["args"], f"{rtype}: {path}"


@pytest.mark.slow
def test_a_public_bucket_can_be_read_and_every_check_it_fails_names_the_waiver(tmp_path: Path) -> None:
    """Anonymous readers cannot decrypt SSE-KMS objects: a public bucket uses S3-managed keys, and each
    check that refuses it tells the team to set publicRead to false or to waive it."""
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner

    g = load_setup(WorkTree(PROJECT))
    kind = g.catalog.kinds["ObjectBucket"]
    spec = kind.request_model.model_validate(
        {
            "apiVersion": "ssops/v1",
            "kind": "ObjectBucket",
            "metadata": {"name": "site", "team": "search", "environment": "prod", "costCenter": "CC-1"},
            "spec": {"publicRead": True},
        }
    ).spec.model_dump()  # type: ignore[attr-defined]
    req = Request(
        path="requests/search/site.yaml",
        kind="ObjectBucket",
        name="site",
        team="search",
        environment="prod",
        cost_center="CC-1",
        description="",
        spec=spec,
        waivers=[],
    )
    stack = Renderer(g.catalog, g.platform).render(req)
    by_address = {r.address: r for r in stack.resources}
    sse = by_address["aws_s3_bucket_server_side_encryption_configuration.this"].attrs
    assert blocks(blocks(sse, "rule")[0], "apply_server_side_encryption_by_default") == [{"sse_algorithm": "AES256"}]
    assert "aws_kms_key.this" in by_address  # objects written while private stay readable
    for path, text in stack.paths().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    report = Runner().run(
        root_folder=str(tmp_path),
        external_checks_dir=[str(org_checks(tmp_path, g.catalog))],
        runner_filter=RunnerFilter(framework=["terraform"], download_external_modules=False),
    )
    failed = {rec.check_id for rec in report.failed_checks}
    assert {"CKV_AWS_145", "CKV_SSOPS_2"} <= failed
    declared = {e.id for e in kind.spec.checkov_exceptions if "prod" in e.environments}
    unexplained = {i for i in failed - declared if "spec.publicRead" not in kind.spec.remediation.get(i, "")}
    assert unexplained == set()
