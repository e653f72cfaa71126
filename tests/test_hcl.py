from __future__ import annotations

import json
import signal
import subprocess
import unicodedata
from pathlib import Path

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssops_ci.stages import hcl

# Text an attacker might put into a free-text field to break out of a string literal.
INJECTION_CORPUS = [
    '${file("/etc/passwd")}',
    "%{ for x in [1] }${x}%{ endfor }",
    '"',
    "\\",
    '\\"',
    "a\nb",
    "\r\n",
    "\t",
    '<<EOF\nresource "null_resource" "evil" {}\nEOF',
    '" }\nresource "aws_iam_user" "evil" {\n  name = "x',
    "}",
    "}\n}\n",
    "$${literal}",
    "%%{literal}",
    "$",
    "%",
    "${",
    "%{",
    "$${",
    "$$${x}",
    "\\${x}",
    "\x00",
    "\x1b[31mred",
    "\x7f",
    "\u2028\u2029",
    "\ufeff",
    "e\u0301",
    "🚀 ünïcødé 中文 العربية",
    "# comment",
    "// comment",
    "/* open",
    "*/",
    "\\u0041",
    "\\n",
    "'single'",
    "`backtick`",
    "a" * 250,
]


def test_quote_escapes() -> None:
    assert hcl.quote('say "hi"\\now\n') == '"say \\"hi\\"\\\\now\\n"'
    assert hcl.quote("${x} %{y}") == '"\\u0024{x} \\u0025{y}"'
    assert hcl.quote("\x00\x1b") == '"\\u0000\\u001b"'


def test_literal_types() -> None:
    assert hcl.literal(None) == "null"
    assert hcl.literal(True) == "true"
    assert hcl.literal(3) == "3"
    assert hcl.literal(2.5) == "2.5"
    assert hcl.literal(["a", 1, False]) == '["a", 1, false]'
    assert hcl.literal(hcl.ident("aws_s3_bucket")) == "aws_s3_bucket"
    with pytest.raises(TypeError):
        hcl.literal({"a": 1})
    with pytest.raises(ValueError):
        hcl.literal(float("nan"))
    with pytest.raises(TypeError):
        hcl.literal(object())


@pytest.mark.parametrize("bad", ["", "a b", "a.b", 'x"', "1abc", "null", "a\n", "${x}"])
def test_ident_refuses_anything_but_an_identifier(bad: str) -> None:
    with pytest.raises(ValueError):
        hcl.ident(bad)


def test_hcl_object_layout() -> None:
    obj = hcl.hcl_object({"team": "x", "cost-center": "y", "odd key": "${z}"}, 2)
    assert obj.text == '{\n    team        = "x"\n    cost-center = "y"\n    "odd key"   = "\\u0024{z}"\n  }'
    assert obj.inline_value == {"team": "x", "cost-center": "y", "odd key": "${z}"}


def _too_slow(*_: object) -> None:
    raise TimeoutError("the HCL parser took over 5 s on one string literal")


TRICKY = st.text(alphabet=st.sampled_from([*'$%{}"\\\n\r\t#/*<>EOF ', "a", "é", "\x00", "\u2028"]))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), TRICKY, st.tuples(st.text(min_size=200), TRICKY).map("".join)))
def test_any_text_is_exactly_one_string_attribute(text: str) -> None:
    # checkov parses every rendered stack with this parser: it must neither choke nor hang on a request value.
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(5)
    try:
        parsed = hcl2.loads(f"x = {hcl.quote(text)}\n")
    finally:
        signal.alarm(0)
    # One attribute, whose (still escaped) raw text is exactly what we emitted: nothing leaked out.
    assert set(parsed) == {"x"}
    assert parsed["x"] == [hcl.quote(text)[1:-1]]


def terraform_outputs(terraform: Path, workdir: Path, literals: list[str], env: dict[str, str]) -> list[str]:
    """Evaluate HCL literals with the real Terraform (no providers needed) and return their values."""
    workdir.mkdir(parents=True, exist_ok=True)
    body = "".join(f'output "o{i}" {{\n  value = {lit}\n}}\n' for i, lit in enumerate(literals))
    (workdir / "main.tf").write_text(body, encoding="utf-8")
    for cmd in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        subprocess.run([str(terraform), *cmd, "-no-color"], cwd=workdir, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [str(terraform), "output", "-json"], cwd=workdir, env=env, check=True, capture_output=True, text=True
    )
    values = json.loads(out.stdout)
    return [values[f"o{i}"]["value"] for i in range(len(literals))]


@pytest.mark.slow
def test_injection_corpus_survives_real_terraform_verbatim(
    terraform_bin: Path, tf_env: dict[str, str], tmp_path: Path
) -> None:
    literals = [hcl.quote(t) for t in INJECTION_CORPUS]
    got = terraform_outputs(terraform_bin, tmp_path / "tf", literals, tf_env)
    assert got == [unicodedata.normalize("NFC", t) for t in INJECTION_CORPUS]
