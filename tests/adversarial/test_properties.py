"""Properties over random input (hypothesis): the parsers only ever answer with a result or a clear
InputError, and the comment keeps its shape whatever text the request, the plan or the checks carry."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import yamlsrc
from ssops_ci.config.setup import load as load_setup
from ssops_ci.model.change import AttrChange
from ssops_ci.model.problems import InputError
from ssops_ci.model.report import Report
from ssops_ci.stages import comment, validate
from tests.adversarial.arena import Arena, request
from tests.conftest import PROJECT

SETUP = load_setup(WorkTree(PROJECT))
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with what attackers reach for: controls, bidi, Markdown and HTML punctuation, YAML indicators.
NASTY = st.sampled_from(
    [
        *"\r\n\t\x00\x1b\x7f\x85\u202e\u2066\u200f|`*_[]<>&@#!:{}-'\"\\%",
        "</details>",
        "<details>",
        "<!--",
        "-->",
        "```",
        "| --- |",
        "@acme/platform",
        "&#124;",
        "${x}",
        "%{x}",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), NASTY), max_size=12).map("".join)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


def _only_input_errors(call: Any) -> None:
    try:
        call()
    except InputError as e:
        assert e.problems and all(p.path and p.line >= 1 and p.message for p in e.problems)


@PROFILE
@given(st.binary(max_size=400))
def test_any_bytes_load_or_give_located_problems(data: bytes) -> None:
    _only_input_errors(lambda: yamlsrc.load(data, "requests/t/x.yaml"))


@PROFILE
@given(
    st.lists(
        st.one_of(st.text(max_size=10), NASTY, st.sampled_from(["!!int ", "&a ", "*a", "\n  ", ": ", "- "])),
        max_size=30,
    )
)
def test_any_yaml_ish_text_loads_or_gives_located_problems(parts: list[str]) -> None:
    _only_input_errors(lambda: yamlsrc.load("".join(parts).encode("utf-8", "surrogatepass"), "requests/t/x.yaml"))


@PROFILE
@given(VALUE, st.sampled_from(["plain", '"', "'", "|", ">"]))
def test_any_spec_value_validates_or_gives_located_problems(spec: Any, style: str) -> None:
    try:
        dumped = yaml.safe_dump({"spec": spec}, default_style=None if style == "plain" else style, allow_unicode=True)
    except yaml.YAMLError:
        return
    text = request().replace("spec: {}\n", "") + dumped
    _only_input_errors(lambda: validate.parse("requests/payments/jobs.yaml", text.encode(), SETUP.catalog, SETUP.teams))


@PROFILE
@given(TEXT, TEXT, TEXT)
def test_any_metadata_text_validates_or_gives_located_problems(name: str, description: str, team: str) -> None:
    text = request(name=json.dumps(name), description=json.dumps(description), team=json.dumps(team))
    _only_input_errors(lambda: validate.parse("requests/payments/jobs.yaml", text.encode(), SETUP.catalog, SETUP.teams))


# ----------------------------------------------------------------------------- the comment keeps its shape


@pytest.fixture(scope="module")
def blocked_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A real report with changes, findings and a waiver: a public bucket, planned against the project."""
    arena = Arena.build(Path(tmp_path_factory.mktemp("shape")))
    arena.git("checkout", "-q", "-B", "bucket", "main")
    (arena.root / "requests/payments/assets.yaml").write_text(
        request(kind="ObjectBucket", name="assets", spec="{publicRead: true}")
    )
    arena.run("render")
    arena.git("add", "-A")
    arena.git("commit", "-q", "-m", "bucket")
    out = arena.scratch / "r.json"
    arena.run("plan", "--base", "main", "--head", "bucket", "--json", str(out))
    return Report.model_validate_json(out.read_text())


def _poisoned(report: Report, texts: list[str]) -> Report:
    words = itertools.cycle(texts)
    stacks = []
    for s in report.stacks:
        findings = [
            f.model_copy(update={"message": next(words), "resource": next(words), "remediation": next(words)})
            for f in s.findings
        ]
        changes = [
            c.model_copy(
                update={"diff": {next(words): AttrChange(before=next(words), after=next(words)) for _ in range(2)}}
            )
            for c in s.changes
        ]
        stacks.append(s.model_copy(update={"findings": findings, "changes": changes, "drift": [next(words)]}))
    return report.model_copy(update={"stacks": stacks, "policy_errors": [next(words)]})


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def _tables_keep_their_columns(body: str) -> None:
    """Every row of every Markdown table has as many cell borders as the table's header."""
    header: int | None = None
    for line in body.split("\n"):
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = _cells(line)
        else:
            assert _cells(line) == header, line


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_no_text_breaks_out_of_a_cell_a_details_block_or_the_headings(blocked_report: Report, texts: list[str]) -> None:
    benign = comment.render(_poisoned(blocked_report, ["plain words"]))
    body = comment.render(_poisoned(blocked_report, texts))
    _tables_keep_their_columns(body)
    assert body.count("<details") == body.count("</details>") == benign.count("<details")
    headings = [ln for ln in body.split("\n") if ln.lstrip().startswith("#")]
    assert headings == [ln for ln in benign.split("\n") if ln.lstrip().startswith("#")]  # nobody forges one
    assert body.count("<!--") == benign.count("<!--")  # no forged sticky marker or hidden text
    mention = r"@[A-Za-z0-9-]+(?:/[A-Za-z0-9-]+)?"
    assert set(re.findall(mention, body)) <= set(re.findall(mention, benign))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", body)
