from __future__ import annotations

import pytest

from ssops_ci.config import yamlsrc
from ssops_ci.model.problems import InputError


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both composers must refuse and report the same things."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsrc, "_CLoader", None)
    elif yamlsrc._CLoader is None:
        pytest.skip("PyYAML was built without libyaml")


def problems(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(InputError) as e:
        yamlsrc.load(data, "requests/t/x.yaml")
    return [str(p) for p in e.value.problems]


def test_positions_of_values_and_keys() -> None:
    doc = yamlsrc.load(b"a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert doc.value == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.values[("a", "c", 1)] == (5, 7)
    assert doc.keys[("a", "b")] == (2, 3)
    # An unknown location falls back to its nearest parent.
    assert doc.position(("a", "zzz")) == doc.values[("a",)]


def test_malformed_yaml_names_line_and_column() -> None:
    [p] = problems("a: 1\nb: [1, 2\nc: 3\n")
    assert p.startswith("requests/t/x.yaml:3:")
    assert "invalid YAML" in p


def test_duplicate_keys_are_all_reported() -> None:
    out = problems("a: 1\nb: 2\na: 3\nb: 4\n")
    assert out == [
        "requests/t/x.yaml:3:1: duplicate key 'a' (first set on line 1)",
        "requests/t/x.yaml:4:1: duplicate key 'b' (first set on line 2)",
    ]


def test_alias_bomb_is_refused_before_expansion() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)
    )
    [p] = problems(bomb)
    assert p == "requests/t/x.yaml:1:4: YAML anchors (&name) are not allowed; write the value out"


def test_plain_alias_is_refused() -> None:
    [p] = problems("a: 1\nb: *x\n")
    assert p == "requests/t/x.yaml:2:4: YAML aliases (*name) are not allowed; write the value out"


def test_python_tags_are_not_constructed() -> None:
    [p] = problems("a: !!python/object/apply:os.system [echo hi]\n")
    assert p == (
        "requests/t/x.yaml:1:4: YAML tags (!!python/object/apply:os.system) are not allowed; "
        "remove the tag and write a plain value"
    )
    [p] = problems("a: !!python/name:os.system x\n")
    assert p.startswith("requests/t/x.yaml:1:4: YAML tags (!!python/name:os.system) are not allowed")


def test_file_over_64_kib() -> None:
    [p] = problems(b"a: " + b"x" * (64 * 1024) + b"\n")
    assert p.startswith("requests/t/x.yaml:1:1: file is 65540 bytes; the limit is 64 KiB")


def test_non_utf8_points_at_the_byte() -> None:
    [p] = problems(b"a: 1\nb: caf\xe9\n")
    assert p == "requests/t/x.yaml:2:7: file is not valid UTF-8 (byte 0xe9); save it as UTF-8"


def test_non_string_keys() -> None:
    [p] = problems("1: a\n")
    assert "must be a string" in p


def test_multiple_documents() -> None:
    [p] = problems("a: 1\n---\nb: 2\n")
    assert "invalid YAML" in p


def test_bom_and_unicode_are_fine() -> None:
    doc = yamlsrc.load("\ufeffa: ünïcødé 🚀\n".encode(), "f.yaml")
    assert doc.value == {"a": "ünïcødé 🚀"}
