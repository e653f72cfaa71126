from __future__ import annotations

import json

import pytest

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.revision import request_files
from ssops_ci.config.setup import Setup
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.problems import InputError
from ssops_ci.stages import validate
from tests.conftest import PROJECT, request_yaml


@pytest.fixture(scope="module")
def g() -> Setup:
    return load_setup(WorkTree(PROJECT))


def errors(g: Setup, text: str, path: str = "requests/payments/jobs.yaml") -> list[str]:
    with pytest.raises(InputError) as e:
        validate.parse(path, text.encode(), g.catalog, g.teams)
    return [str(p) for p in e.value.problems]


def test_valid_request_gets_defaults(g: Setup) -> None:
    req = validate.parse(
        "requests/payments/jobs.yaml", request_yaml(spec="  fifo: true\n").encode(), g.catalog, g.teams
    )
    assert req.stack_id == "payments/jobs"
    assert req.spec["fifo"] is True
    assert req.spec["retentionDays"] == 4  # default from template.yaml
    assert req.rendered_dir == "rendered/payments/jobs"
    assert req.position("spec.fifo") == (10, 9)
    assert req.position("spec.nothing.here") == req.position("spec")


def test_unknown_kind_lists_the_catalog(g: Setup) -> None:
    [e] = errors(g, request_yaml(kind="MongoCluster"))
    assert e.startswith("requests/payments/jobs.yaml:2:7: unknown kind 'MongoCluster'; known kinds: Function, ")


def test_unknown_api_version(g: Setup) -> None:
    [e] = errors(g, request_yaml().replace("ssops/v1", "ssops/v2"))
    assert e == "requests/payments/jobs.yaml:1:13: apiVersion must be 'ssops/v1' (got 'ssops/v2')"


def test_every_problem_of_a_file_at_once(g: Setup) -> None:
    text = request_yaml(spec="  fifo: 'yes'\n  retentionDays: 30\n  colour: blue\n  delaySeconds: -1\n")
    out = errors(g, text)
    assert out == [
        "requests/payments/jobs.yaml:10:9: spec.fifo: Input should be a valid boolean (got 'yes')",
        "requests/payments/jobs.yaml:11:18: spec.retentionDays: Input should be less than or equal to 14 (got 30)",
        "requests/payments/jobs.yaml:12:3: spec.colour: unknown field; remove it or check the spelling; allowed here: "
        "delaySeconds, fifo, maxReceiveCount, retentionDays, usage, visibilityTimeoutSeconds",
        "requests/payments/jobs.yaml:13:17: spec.delaySeconds: Input should be greater than or equal to 0 (got -1)",
    ]


def test_missing_and_unknown_metadata(g: Setup) -> None:
    text = request_yaml().replace("  costCenter: CC-1042\n", "  owner: me\n")
    out = errors(g, text)
    assert "requests/payments/jobs.yaml:3:1: metadata.costCenter: required field is missing" in out
    assert any(e.startswith("requests/payments/jobs.yaml:7:3: metadata.owner: unknown field") for e in out)


def test_wrong_types_are_not_coerced(g: Setup) -> None:
    out = errors(g, request_yaml(spec="  visibilityTimeoutSeconds: '30'\n  maxReceiveCount: 2.5\n"))
    assert "spec.visibilityTimeoutSeconds: Input should be a valid integer (got '30')" in out[0]
    assert "spec.maxReceiveCount: Input should be a valid integer" in out[1]


def test_enum_values(g: Setup) -> None:
    [e] = errors(g, request_yaml(kind="PostgresDatabase", spec="  size: xlarge\n"))
    assert e == (
        "requests/payments/jobs.yaml:10:9: spec.size: Input should be 'small', 'medium' or 'large' (got 'xlarge'); "
        "did you mean 'large'?"
    )


def test_name_and_team_must_match_the_path(g: Setup) -> None:
    out = errors(g, request_yaml(name="other", team="search"))
    assert out == [
        "requests/payments/jobs.yaml:4:9: metadata.name: 'other' does not match the file name 'jobs'; "
        "rename one of them",
        "requests/payments/jobs.yaml:5:9: metadata.team: 'search' does not match the folder 'payments'; "
        "move the file or fix the team",
    ]


def test_team_must_exist(g: Setup) -> None:
    [e] = errors(g, request_yaml(team="growth"), path="requests/growth/jobs.yaml")
    assert e.endswith("metadata.team: 'growth' is not in policies/teams.yaml; ask the platform team to add it")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc",
        "Jobs",
        "jobs-",
        "-jobs",
        "jo--bs",
        "a",
        'x" }\nresource "y',
        "jobs.prod",
        "x" * 41,
        "jöbs",
        "${x}",
    ],
)
def test_names_that_are_not_identifiers(g: Setup, name: str) -> None:
    out = errors(g, request_yaml(name=json.dumps(name)), path="requests/payments/jobs.yaml")
    assert any("metadata.name" in e for e in out), out


@pytest.mark.parametrize(
    "path",
    [
        "requests/jobs.yaml",
        "requests/payments/sub/jobs.yaml",
        "requests/payments/Jobs.yaml",
        "requests/../jobs.yaml",
        "templates/payments/jobs.yaml",
        "requests/payments/jobs.json",
    ],
)
def test_paths_outside_the_layout(g: Setup, path: str) -> None:
    [e] = errors(g, request_yaml(), path=path)
    assert e.startswith(f"{path}:1:1: ")


def test_two_files_for_one_stack(g: Setup, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"requests/payments/jobs.yaml": request_yaml(), "requests/payments/jobs.yml": request_yaml()})
    loaded = validate.validate_all(request_files(WorkTree(root)), g.catalog, g.teams)
    assert [str(p) for p in loaded.problems] == [
        "requests/payments/jobs.yml:1:1: renders to the same stack rendered/payments/jobs "
        "as requests/payments/jobs.yaml"
    ]
    assert [r.path for r in loaded.requests] == ["requests/payments/jobs.yaml"]


def test_empty_and_non_mapping(g: Setup) -> None:
    assert errors(g, "") == [
        "requests/payments/jobs.yaml:1:1: file is empty; run `ssops-ci new KIND ...` for a starter request"
    ]
    [e] = errors(g, "- a\n- b\n")
    assert "a request is a mapping" in e


def test_free_text_accepts_any_unicode_nfc(g: Setup) -> None:
    text = request_yaml().replace("description: test request", 'description: "e\\u0301 ${x} %{y} \\" 🚀"')
    req = validate.parse("requests/payments/jobs.yaml", text.encode(), g.catalog, g.teams)
    assert req.description == '\u00e9 ${x} %{y} " 🚀'


def test_usage_override_type_is_checked(g: Setup) -> None:
    [e] = errors(g, request_yaml(spec="  usage:\n    requests: lots\n"))
    assert e == "requests/payments/jobs.yaml:11:15: spec.usage.requests: Input should be a valid number (got 'lots')"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (request_yaml(kind="Queu"), "2:7: unknown kind 'Queu'; did you mean 'Queue'? known kinds: Function, "),
        (request_yaml(kind="queue"), "2:7: unknown kind 'queue'; did you mean 'Queue'? known kinds: "),
        (
            request_yaml(spec="  retentionDay: 3\n"),
            "10:3: spec.retentionDay: unknown field; did you mean 'retentionDays'? allowed here: delaySeconds, ",
        ),
        (
            request_yaml().replace("  costCenter:", "  costCentre:"),
            "metadata.costCentre: unknown field; did you mean 'costCenter'? allowed here: ",
        ),
        (request_yaml().replace("\n  team:", "\n\tteam:"), "a tab character: YAML indents with spaces only"),
    ],
)
def test_a_slip_is_answered_with_what_was_meant(g: Setup, text: str, expected: str) -> None:
    """As terraform and ruff do: the closest name, in the message that points at the line."""
    found = errors(g, text)
    assert any(expected in e for e in found), found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            request_yaml().replace("name: jobs", "name: Jobs_1"),
            "metadata.name: must be lowercase letters, digits and single dashes (2-40 chars) (got 'Jobs_1')",
        ),
        (
            request_yaml(kind="PostgresDatabase", spec="  databaseName: Orders-DB\n"),
            "spec.databaseName: must be lowercase letters, digits and underscores starting with a letter (up to 63) "
            "(got 'Orders-DB')",
        ),
    ],
)
def test_a_broken_pattern_is_said_in_words_not_as_a_regex(g: Setup, text: str, expected: str) -> None:
    found = errors(g, text)
    assert any(expected in e for e in found), found
    assert not any("should match pattern" in e for e in found)
