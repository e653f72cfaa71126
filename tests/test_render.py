from __future__ import annotations

import copy
import hashlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import hcl2
import pytest
import yaml

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.revision import request_files
from ssops_ci.app.workspace import validate_requests
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.problems import InputError
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Stack
from ssops_ci.model.text import unsafe_character
from ssops_ci.stages import validate
from ssops_ci.stages.blocks import normalise
from ssops_ci.stages.render import Renderer, body_of
from tests.conftest import PROJECT, request_yaml
from tests.test_hcl import INJECTION_CORPUS, terraform_outputs

TOY_DECL = """apiVersion: ssops/v1
kind: Toy
version: 0.1.0
description: A kind for tests.
owner: platform
parameters:
  mode:
    type: string
    enum: [safe, other]
    default: safe
    description: Which branch of the template to take.
resources:
  null_resource:
    force_new: [triggers]
"""


def allow_null() -> dict[str, str]:
    """The project's platform.yaml, also allowing hashicorp/null (the toy kind's null_resource)."""
    text = (PROJECT / "policies/platform.yaml").read_text()
    return {
        "policies/platform.yaml": text.replace("  - hashicorp/random\n", "  - hashicorp/random\n  - hashicorp/null\n")
    }


def toy_repo(make_repo: Callable[..., Path], template: str, request_spec: str = "") -> tuple[Renderer, Request]:
    root = make_repo(
        {
            "templates/toy/template.yaml": TOY_DECL,
            "templates/toy/main.tf.j2": template,
            "requests/payments/toy.yaml": request_yaml(kind="Toy", name="toy", spec=request_spec),
            **allow_null(),
        }
    )
    tree = WorkTree(root)
    g = load_setup(tree)
    loaded = validate.validate_all(request_files(tree), g.catalog, g.teams)
    assert not loaded.problems, loaded.problems
    return Renderer(g.catalog, g.platform), loaded.requests[0]


def render_problems(make_repo: Callable[..., Path], template: str, spec: str = "") -> list[str]:
    renderer, req = toy_repo(make_repo, template, spec)
    with pytest.raises(InputError) as e:
        renderer.render(req)
    return [str(p) for p in e.value.problems]


@pytest.fixture(scope="module")
def project() -> tuple[Renderer, list[Request]]:
    tree = WorkTree(PROJECT)
    g = load_setup(tree)
    loaded = validate.validate_all(request_files(tree), g.catalog, g.teams)
    assert not loaded.problems
    return Renderer(g.catalog, g.platform), loaded.requests


def test_rendering_is_deterministic_and_headed(project: tuple[Renderer, list[Request]]) -> None:
    renderer, reqs = project
    first = [renderer.render(r) for r in reqs]
    second = [Renderer(renderer.catalog, renderer.platform).render(r) for r in reqs]
    assert [s.files for s in first] == [s.files for s in second]
    for stack in first:
        for text in stack.files.values():
            assert text.startswith(f"# Rendered by ssops-ci from {stack.request} with {stack.kind}@")
            claimed, body = body_of(text)
            assert claimed == hashlib.sha256(body.encode()).hexdigest()
            assert text.endswith("\n") and not text.endswith("\n\n")


def test_resources_match_a_full_parse_of_the_output(project: tuple[Renderer, list[Request]]) -> None:
    """The skeleton shortcut must give exactly what parsing each real file gives."""
    renderer, reqs = project
    for req in reqs:
        stack = renderer.render(req)
        parsed: dict[str, dict] = {}
        for text in stack.files.values():
            doc = hcl2.loads(text)
            for group in doc.get("resource", []):
                for rtype, named in group.items():
                    for name, body in named.items():
                        parsed[f"{rtype}.{name}"] = normalise(body)
        ours = {r.address: r.attrs for r in stack.resources if r.mode == "managed"}
        assert set(ours) == set(parsed)
        for address, attrs in ours.items():
            # hcl2 keeps string escapes raw; our values are the real strings. Compare via JSON of both.
            assert set(attrs) == set(parsed[address]), address
        line = next(r for r in stack.resources if r.address == "aws_kms_key.this").line
        assert stack.files["versions.tf"].splitlines()[line - 1].startswith('resource "aws_kms_key" "this"')


def test_request_values_arrive_as_values(project: tuple[Renderer, list[Request]]) -> None:
    renderer, reqs = project
    db = renderer.render(next(r for r in reqs if r.stack_id == "payments/orders-db"))
    inst = next(r for r in db.resources if r.address == "aws_db_instance.this").attrs
    assert inst["instance_class"] == "db.t4g.small"
    assert inst["allocated_storage"] == 50
    assert inst["multi_az"] is True
    assert inst["deletion_protection"] is True
    assert inst["tags"] == "${local.tags}"


# Controls and bidi overrides never get this far: the YAML loader refuses them with file:line (the HCL
# escaper still handles them, tested in test_hcl, as a second line of defence).
ACCEPTED = [t for t in INJECTION_CORPUS if unsafe_character(t) is None]
REFUSED = [t for t in INJECTION_CORPUS if unsafe_character(t) is not None]


@pytest.mark.parametrize("text", REFUSED)
def test_control_and_bidi_characters_in_free_text_are_refused_where_they_are(
    make_repo: Callable[..., Path], text: str
) -> None:
    with pytest.raises(InputError) as e:
        _render_queue(make_repo, text)
    [problem] = e.value.problems
    assert (problem.path, problem.line) == ("requests/payments/jobs.yaml", 8)
    assert "text contains U+" in problem.message and problem.message.endswith("; remove it")


@pytest.mark.parametrize("text", ACCEPTED)
def test_free_text_cannot_change_the_stack_structure(make_repo: Callable[..., Path], text: str) -> None:
    benign = _render_queue(make_repo, "plain words")
    evil = _render_queue(make_repo, text)
    assert [r.address for r in evil.resources] == [r.address for r in benign.resources]
    for content in evil.files.values():
        doc = hcl2.loads(content)  # the real output parses
        assert set(doc) <= {"terraform", "provider", "locals", "data", "resource"}


@pytest.mark.slow
def test_free_text_reaches_terraform_verbatim(
    make_repo: Callable[..., Path], terraform_bin: Path, tf_env: dict[str, str], tmp_path: Path
) -> None:
    corpus = [t for t in ACCEPTED if len(t) <= 256]
    literals = []
    for text in corpus:
        versions = _render_queue(make_repo, text).files["versions.tf"]
        [line] = [ln for ln in versions.splitlines() if ln.startswith("  description = ")]
        literals.append(line.removeprefix("  description = "))
    assert terraform_outputs(terraform_bin, tmp_path / "tf", literals, tf_env) == [
        unicodedata.normalize("NFC", t) for t in corpus
    ]


def _render_queue(make_repo: Callable[..., Path], description: str) -> Stack:
    quoted = yaml.safe_dump(description, default_style='"', allow_unicode=True, width=10**9).strip()
    text = request_yaml().replace("description: test request", f"description: {quoted}")
    root = make_repo({"requests/payments/jobs.yaml": text})
    tree = WorkTree(root)
    g = load_setup(tree)
    req = validate.parse("requests/payments/jobs.yaml", text.encode(), g.catalog, g.teams)
    return Renderer(g.catalog, g.platform).render(req)


TOY_OK = 'resource "null_resource" "this" {\n  triggers = { mode = {{ spec.mode }} }\n}\n'


def test_toy_kind_renders(make_repo: Callable[..., Path]) -> None:
    renderer, req = toy_repo(make_repo, TOY_OK)
    stack = renderer.render(req)
    assert stack.resources[0].attrs == {"triggers": {"mode": "safe"}}
    assert stack.files["main.tf"].endswith('resource "null_resource" "this" {\n  triggers = { mode = "safe" }\n}\n')


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            'resource "null_resource" "x" {\n  provisioner "local-exec" {\n    command = "id"\n  }\n}\n',
            "resource null_resource.x has a provisioner block",
        ),
        ('data "external" "x" {\n  program = ["id"]\n}\n', "data source external.x is not allowed"),
        ('data "http" "x" {\n  url = "https://example.com"\n}\n', "data source http.x is not allowed"),
        (
            'module "m" {\n  source = "git::https://example.com/m.git"\n}\n',
            "module m must use a local source",
        ),
        ('module "m" {\n  source = "../../../../outside"\n}\n', "points outside the repository"),
        ('module "m" {\n  source = {{ "registry/x" }}\n}\n', "module m must use a local source"),
        (
            'terraform {\n  required_providers {\n    evil = {\n      source = "evilcorp/evil"\n    }\n  }\n}\n',
            "provider 'evilcorp/evil' is not in policies/platform.yaml allowed_providers",
        ),
        # Not declared, so Terraform would install hashicorp/asw: a provider nobody allowed.
        (
            'resource "asw_s3_bucket" "x" {\n  bucket = "b"\n}\n',
            "`asw_s3_bucket` needs provider 'hashicorp/asw', which is not in policies/platform.yaml allowed_providers",
        ),
        (
            'terraform {\n  required_providers {\n    aws = {\n      source = "evilcorp/aws"\n    }\n  }\n}\n'
            'resource "aws_s3_bucket" "x" {\n  bucket = "b"\n}\n',
            "provider 'evilcorp/aws' is not in policies/platform.yaml allowed_providers",
        ),
    ],
)
def test_forbidden_constructs_are_refused(make_repo: Callable[..., Path], template: str, expected: str) -> None:
    [problem] = render_problems(make_repo, template)
    assert problem.startswith("templates/toy/main.tf.j2:1:1: rendering requests/payments/toy.yaml: ")
    assert expected in problem


def test_forbidden_construct_behind_a_request_value_is_still_refused(make_repo: Callable[..., Path]) -> None:
    template = TOY_OK + '{% if spec.mode == "other" %}\ndata "external" "x" {\n  program = ["id"]\n}\n{% endif %}\n'
    renderer, req = toy_repo(make_repo, template, "  mode: safe\n")
    assert [r.address for r in renderer.render(req).resources] == ["null_resource.this"]
    other = req.model_copy(update={"spec": {**req.spec, "mode": "other"}})
    with pytest.raises(InputError) as e:
        renderer.render(other)
    [problem] = e.value.problems
    assert "data source external.x is not allowed" in str(problem)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "x = {{ nope }}\n",
            "templates/toy/main.tf.j2:1:1: rendering requests/payments/toy.yaml: UndefinedError: 'nope' is undefined",
        ),
        (
            "a = 1\nx = {{ tags }}\n",
            "templates/toy/main.tf.j2:2:1: rendering requests/payments/toy.yaml: TypeError",
        ),
        (
            "x = {{ ''.__class__.__mro__ }}\n",
            "SecurityError: access to attribute '__class__' of 'str' object is unsafe",
        ),
        ("x = {{ request.__init__.__globals__ }}\n", "rendering requests/payments/toy.yaml"),
        (
            "{% for %}\n",
            "templates/toy/main.tf.j2:1:1: rendering requests/payments/toy.yaml: TemplateSyntaxError",
        ),
        ('resource "x" {\n', "the template produced invalid HCL"),
        ("{% set _ = tags.update({'team': 'evil'}) %}\n", "SecurityError"),
    ],
)
def test_template_errors_name_the_template(make_repo: Callable[..., Path], template: str, expected: str) -> None:
    [problem] = render_problems(make_repo, template)
    assert expected in problem


def test_each_render_sees_its_own_values(make_repo: Callable[..., Path]) -> None:
    """Constant expressions are not folded into the compiled template: the second stack is not the first's."""
    template = 'resource "null_resource" "this" {\n  triggers = { fixed = {{ "k" }}, mode = {{ spec.mode }} }\n}\n'
    renderer, req = toy_repo(make_repo, template, "  mode: safe\n")
    other = req.model_copy(update={"spec": {**req.spec, "mode": "other"}})
    for wanted in ("safe", "other", "safe"):
        stack = renderer.render(req if wanted == "safe" else other)
        assert stack.resources[0].attrs == {"triggers": {"fixed": "k", "mode": wanted}}
        assert f'mode = "{wanted}"' in stack.files["main.tf"]


def test_the_placeholder_spelling_is_reserved(make_repo: Callable[..., Path]) -> None:
    [problem] = render_problems(make_repo, 'resource "null_resource" "this" {\n  triggers = { a = "__ssops_0__" }\n}\n')
    assert "the template writes a string of the form __ssops_N__, which ssops-ci reserves" in problem


def test_two_blocks_with_one_address_are_refused(make_repo: Callable[..., Path]) -> None:
    template = 'resource "null_resource" "safe" {}\nresource "null_resource" {{ spec.mode }} {}\n'
    renderer, req = toy_repo(make_repo, template, "  mode: other\n")
    assert [r.address for r in renderer.render(req).resources] == ["null_resource.safe", "null_resource.other"]
    clash = req.model_copy(update={"spec": {**req.spec, "mode": "safe"}})
    with pytest.raises(InputError) as e:
        renderer.render(clash)
    assert "two blocks get the same address" in str(e.value.problems[0])


LONG_TEAM = "payments-reconciliation"  # 23 characters


def _long_team_repo(make_repo: Callable[..., Path], path: str, body: str) -> WorkTree:
    root = make_repo({path: body})
    teams = yaml.safe_load((root / "policies/teams.yaml").read_text())
    teams["teams"][LONG_TEAM] = {**copy.deepcopy(teams["teams"]["payments"]), "github_team": f"acme/{LONG_TEAM}"}
    (root / "policies/teams.yaml").write_text(yaml.safe_dump(teams, sort_keys=False))
    return WorkTree(root)


@pytest.mark.parametrize(
    ("kind", "team", "name", "env", "spec", "expected"),
    [
        (
            "RedisCache",
            "payments",
            "a-very-long-cache-name-x1",
            "dev",
            "",
            "aws_elasticache_replication_group.this would get the replication_group_id "
            "'acme-payments-a-very-long-cache-name-x1-dev' (43 characters) but AWS allows 40; shorten the name by 3",
        ),
        (  # the database itself fits in 63; its monitoring role's name does not fit in IAM's 64
            "PostgresDatabase",
            "payments",
            "orders-ledger-history-archive-db-x1",
            "dev",
            "",
            "aws_iam_role.monitoring would get the name 'acme-payments-orders-ledger-history-archive-db-x1-dev-rds-"
            "monitoring' (68 characters) but AWS allows 64; shorten the name by 4",
        ),
        (  # the suffixes of a FIFO dead-letter queue count too
            "Queue",
            LONG_TEAM,
            "settlement-events-from-card-network-x1",
            "staging",
            "  fifo: true\n",
            "aws_sqs_queue.dlq would get the name 'acme-payments-reconciliation-settlement-events-from-card-network-x1-"
            "staging-dlq.fifo' (84 characters) but AWS allows 80; shorten the name by 4",
        ),
    ],
)
def test_a_name_too_long_for_the_cloud_points_at_the_request(
    make_repo: Callable[..., Path], kind: str, team: str, name: str, env: str, spec: str, expected: str
) -> None:
    path = f"requests/{team}/{name}.yaml"
    tree = _long_team_repo(make_repo, path, request_yaml(kind=kind, team=team, name=name, env=env, spec=spec))
    g = load_setup(tree)
    [req] = validate.validate_all(request_files(tree), g.catalog, g.teams).requests
    with pytest.raises(InputError) as e:
        Renderer(g.catalog, g.platform).render(req)
    [problem] = [str(p) for p in e.value.problems]
    assert problem.startswith(f"{path}:4:9: metadata.name: {expected} (see https://docs.aws.amazon.com/")
    # `validate` says the same, before anything is rendered to disk
    [again] = [str(p) for p in validate_requests(tree, g).problems]
    assert again == problem


def test_a_name_the_check_cannot_work_out_is_the_templates_problem(make_repo: Callable[..., Path]) -> None:
    decl = TOY_DECL.replace(
        "    force_new: [triggers]\n",
        "    force_new: [triggers]\n    names:\n      id:\n"
        "        max_length: 10\n        rule: anything\n        source: https://docs.aws.amazon.com/x\n",
    )
    root = make_repo(
        {
            "templates/toy/template.yaml": decl,
            "templates/toy/main.tf.j2": 'resource "null_resource" "this" {\n  id = upper(local.name)\n}\n',
            "requests/payments/toy.yaml": request_yaml(kind="Toy", name="toy"),
            **allow_null(),
        }
    )
    problems = [str(p) for p in validate_requests(WorkTree(root), load_setup(WorkTree(root))).problems]
    assert problems == [
        "templates/toy/template.yaml:1:1: rendering requests/payments/toy.yaml: cannot tell the name of "
        "null_resource.this.id = '${upper(local.name)}'"
    ]


def test_no_placeholder_survives_in_any_rendered_attribute() -> None:
    """Values inside expressions (jsonencode, maps) must be filled back in, whatever quoting the parser shows."""
    from tests.test_catalog_quality import all_stacks

    def walk(value: object) -> None:
        if isinstance(value, str):
            assert "__ssops_" not in value, value
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for _, stack in all_stacks():
        for res in stack.resources:
            walk(res.attrs)
        walk(stack.locals)


def test_values_inside_jsonencode_reach_the_plan(project: tuple[Renderer, list[Request]]) -> None:
    renderer, reqs = project
    queue = next(r for r in reqs if r.kind == "Queue")
    five = renderer.render(queue.model_copy(update={"spec": {**queue.spec, "maxReceiveCount": 5}}))
    nine = renderer.render(queue.model_copy(update={"spec": {**queue.spec, "maxReceiveCount": 9}}))
    policy = {
        s: next(r for r in st.resources if r.address == "aws_sqs_queue.this").attrs["redrive_policy"]
        for s, st in (("five", five), ("nine", nine))
    }
    assert "5" in policy["five"] and "9" in policy["nine"] and policy["five"] != policy["nine"]


@pytest.mark.parametrize(
    ("region", "partition"), [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_literal_arns_follow_the_regions_partition(make_repo: Callable[..., Path], region: str, partition: str) -> None:
    root = make_repo({"requests/payments/media.yaml": request_yaml(kind="ObjectBucket", name="media")})
    platform = root / "policies/platform.yaml"
    platform.write_text(platform.read_text().replace("region: eu-west-1", f"region: {region}", 1))
    tree = WorkTree(root)
    g = load_setup(tree)
    [req] = validate.validate_all(request_files(tree), g.catalog, g.teams).requests
    policy = next(r for r in Renderer(g.catalog, g.platform).render(req).resources if r.type == "aws_s3_bucket_policy")
    assert f'"arn:{partition}:s3:::acme-payments-media-dev"' in policy.attrs["policy"]
    assert partition == "aws" or '"arn:aws:s3' not in policy.attrs["policy"]


def test_compiled_skeletons_give_what_parsing_every_file_gives() -> None:
    """Every resource of every catalog rendering, attribute by attribute, against a full parse of the file.
    (Inside an unevaluated expression such as jsonencode(...) the parser shows strings in single quotes
    where the filled value has HCL's double quotes; that spelling is all that may differ.)"""
    from tests.test_catalog_quality import all_stacks

    def spelled(value: object) -> str:
        return repr(value).replace('"', "'").replace("\\'", "'")

    checked = 0
    for _, stack in all_stacks():
        parsed: dict[str, object] = {}
        for text in stack.files.values():
            doc = hcl2.loads(text)
            for mode, prefix in (("resource", ""), ("data", "data.")):
                for group in doc.get(mode, []):
                    for rtype, named in group.items():
                        parsed |= {f"{prefix}{rtype}.{name}": normalise(body) for name, body in named.items()}
        assert {r.address for r in stack.resources} == set(parsed)
        for r in stack.resources:
            assert spelled(r.attrs) == spelled(parsed[r.address]), (stack.id, r.address)
            checked += 1
    assert checked > 400


def test_a_catalog_from_before_per_resource_name_limits_is_told_what_replaced_its_field(
    make_repo: Callable[..., Path],
) -> None:
    decl = TOY_DECL.replace("owner: platform\n", "owner: platform\nmax_name_length: 40\n")
    root = make_repo({"templates/toy/template.yaml": decl, "templates/toy/main.tf.j2": TOY_OK, **allow_null()})
    with pytest.raises(InputError) as e:
        load_setup(WorkTree(root))
    assert [str(p) for p in e.value.problems] == [
        "templates/toy/template.yaml:6:1: max_name_length: replaced by per-resource name limits: delete it and "
        "declare resources.<type>.names.<attribute> (max_length, pattern, rule, source); see the README, "
        "'Catalog checks'"
    ]
