"""Strict YAML loading that remembers where every value came from.

Requests and policies are small hand-written files, so we trade YAML features for
safety: no anchors or aliases (alias bombs), no tags (`!!binary`, `!!python/...`), no
duplicate keys, string keys only, finite numbers, real dates, no control or bidi
characters in text (they forge headings in comments and hide code in `.tf`), a size
cap, and strict UTF-8. Every problem carries a line and column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.text import unsafe_character

MAX_BYTES = 64 * 1024
Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed document plus the line/column of each value and each mapping key."""

    path: str
    value: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, loc: Path_, *, prefer_key: bool = False) -> tuple[int, int]:
        """Best position for `loc`, falling back to the nearest enclosing value."""
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for t in table:
                if loc in t:
                    return t[loc]
            if not loc:
                return (1, 1)
            loc = loc[:-1]

    def problem(self, loc: Path_, message: str, *, prefer_key: bool = False) -> Problem:
        line, col = self.position(loc, prefer_key=prefer_key)
        return Problem(self.path, line, col, message)


class _Reject(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        self.mark = mark
        self.message = message


def _refuse_features(event: Any) -> None:
    if isinstance(event, yaml.AliasEvent):
        raise _Reject(event.start_mark, "YAML aliases (*name) are not allowed; write the value out")
    if getattr(event, "anchor", None):
        raise _Reject(event.start_mark, "YAML anchors (&name) are not allowed; write the value out")
    tag = getattr(event, "tag", None)
    if tag is not None:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise _Reject(event.start_mark, f"YAML tags ({shown}) are not allowed; remove the tag and write a plain value")


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        _refuse_features(self.peek_event())  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)


_CLoader: Any = getattr(yaml, "CSafeLoader", None)
# For reading values only, without positions or the refusals above: libyaml's safe loader when installed.
SAFE_LOADER: Any = _CLoader or yaml.SafeLoader


def _loader(text: str) -> Any:
    """A composer that has refused anchors and aliases; libyaml's when it is installed (10x faster)."""
    if _CLoader is None:
        return _Loader(text)
    for event in yaml.parse(text, Loader=_CLoader):
        _refuse_features(event)
    return _CLoader(text)


def _mark(m: Any) -> tuple[int, int]:
    return (m.line + 1, m.column + 1) if m is not None else (1, 1)


def decode_utf8(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [Problem(path, line, col, f"file is not valid UTF-8 (byte 0x{data[e.start]:02x}); save it as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


def _lone_carriage_return(text: str) -> int | None:
    """Where a CR not followed by LF is: YAML takes it as a line break, a browser or terminal may not."""
    at = text.find("\r")
    while at != -1:
        if text[at + 1 : at + 2] != "\n":
            return at
        at = text.find("\r", at + 1)
    return None


def _plain(e: yaml.MarkedYAMLError, text: str, line: int, col: int) -> str:
    """PyYAML's scanner words, said the way a person would fix them."""
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: max(col, 1)] or (col <= len(here) and here[col - 1 : col] == "\t"):
        return "a tab character: YAML indents with spaces only; replace the tab with spaces"
    what = " ".join(x for x in (e.context, e.problem) if x)
    if "mapping values are not allowed here" in what:
        return f"invalid YAML: {what} (a value containing ': ' needs quotes, or the line is indented too far)"
    return f"invalid YAML: {what}"


def load(data: bytes, path: str, *, max_bytes: int = MAX_BYTES) -> Located:
    """Parse one YAML document; raise InputError listing every problem found."""
    if len(data) > max_bytes:
        raise InputError([Problem(path, 1, 1, f"file is {len(data)} bytes; the limit is {max_bytes // 1024} KiB")])
    text = decode_utf8(data, path)
    if (cr := _lone_carriage_return(text)) is not None:
        line = text.count("\n", 0, cr) + 1
        col = cr - (text.rfind("\n", 0, cr) + 1) + 1
        message = "a carriage return without a line feed; save the file with LF (or CRLF) line endings"
        raise InputError([Problem(path, line, col, message)])
    doc = Located(path, None)
    problems: list[Problem] = []
    loader: Any = None
    try:
        loader = _loader(text)
        node = loader.get_single_node()
        if node is not None:
            doc.value = _convert(loader, node, (), doc, problems)
    except _Reject as e:
        line, col = _mark(e.mark)
        raise InputError([Problem(path, line, col, e.message)]) from None
    except yaml.MarkedYAMLError as e:
        line, col = _mark(e.problem_mark or e.context_mark)
        raise InputError([Problem(path, line, col, _plain(e, text, line, col))]) from None
    except yaml.YAMLError as e:
        raise InputError([Problem(path, 1, 1, f"invalid YAML: {e}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise InputError(problems)
    return doc


_STANDARD: dict[type[yaml.Node], str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


def _convert(loader: Any, node: yaml.Node, loc: Path_, doc: Located, problems: list[Problem]) -> Any:
    doc.values[loc] = _mark(node.start_mark)
    expected_tag = _STANDARD.get(type(node))
    if expected_tag and node.tag != expected_tag:
        raise _Reject(node.start_mark, f"YAML tag {node.tag!r} is not allowed; remove it")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            kline, kcol = _mark(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.path, kline, kcol, "mapping keys must be plain strings"))
                continue
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                problems.append(Problem(doc.path, kline, kcol, f"mapping key {key!r} must be a string; quote it"))
                continue
            if bad := unsafe_character(key):
                problems.append(Problem(doc.path, kline, kcol, f"key contains {bad}; remove it"))
                continue
            if key in first_seen:
                problems.append(
                    Problem(doc.path, kline, kcol, f"duplicate key '{key}' (first set on line {first_seen[key]})")
                )
                continue
            first_seen[key] = kline
            doc.keys[(*loc, key)] = (kline, kcol)
            out[key] = _convert(loader, value_node, (*loc, key), doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*loc, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(loader, node, doc, problems)


def _scalar(loader: Any, node: yaml.Node, doc: Located, problems: list[Problem]) -> Any:
    line, col = _mark(node.start_mark)
    raw = str(node.value)
    try:
        value = loader.construct_object(node)
    except (ValueError, OverflowError) as e:
        kind = str(node.tag).rsplit(":", 1)[-1].replace("timestamp", "date")
        fix = "write a real date as YYYY-MM-DD" if kind == "timestamp" else "quote it if it is text"
        problems.append(Problem(doc.path, line, col, f"'{raw}' is not a valid {kind} ({e}); {fix}"))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(doc.path, line, col, f"'{raw}' is not a finite number; write a number"))
        return None
    if isinstance(value, str) and (bad := unsafe_character(value)):
        problems.append(Problem(doc.path, line, col, f"text contains {bad}; remove it"))
        return None
    return value
