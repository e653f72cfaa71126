"""HCL literals built from request values.

Rendering passes every `{{ expression }}` through `literal()` (Jinja's finalize
hook), so a value from a request can only ever become one inert HCL literal: a
quoted string with every escape HCL knows, a number, a bool, or a list of those.
Template authors who need text spliced in raw must go through `ident()` or
`hcl_object()`, which validate or encode what they emit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "endif", "else"})
_PLAIN = re.compile(r"[A-Za-z0-9 _.,:/@+=()\[\]*?!#&'<>|~^;-]*")
_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class Raw:
    """HCL text that ssops-ci produced itself and vouches for; `literal()` passes it through."""

    __slots__ = ("inline_value", "text")

    def __init__(self, text: str, inline_value: Any = None) -> None:
        self.text = text
        # The value the text stands for, when it is a whole literal (see render's skeleton).
        self.inline_value = inline_value

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Raw({self.text!r})"


def quote(text: str) -> str:
    """A double-quoted HCL string whose value is exactly `text` (after HCL's NFC normalisation)."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    out = []
    for ch in text:
        if ch in _SIMPLE:
            out.append(_SIMPLE[ch])
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    # Interpolation and directive openers become literal. HCL's own `$${` escape is
    # mis-lexed by the HCL parser checkov uses when no `}` follows (it backtracks
    # exponentially); a \u escape is just as literal to Terraform and plain text to it.
    body = "".join(out).replace("${", "\\u0024{").replace("%{", "\\u0025{")
    return f'"{body}"'


def _scalar(value: Any) -> str | None:
    """The HCL literal of a scalar; None for anything that is not one."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no HCL literal")
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, dt.date):
        return quote(value.isoformat())
    return None


def literal(value: Any) -> str:
    """Jinja finalize hook: any value becomes exactly one HCL literal."""
    if isinstance(value, Raw):
        return value.text
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        raise TypeError("a mapping cannot be emitted inline; use hcl_object(value, indent)")
    raise TypeError(f"cannot emit a {type(value).__name__} as an HCL literal")


def ident(name: str) -> Raw:
    """A bare HCL identifier (block label-free names, object keys); refuses anything else."""
    if not isinstance(name, str) or not IDENT_RE.fullmatch(name) or name in _KEYWORDS:
        raise ValueError(f"{name!r} is not a safe HCL identifier")
    return Raw(name)


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"object keys must be strings, not {type(k).__name__}")
    return k if IDENT_RE.fullmatch(k) and k not in _KEYWORDS else quote(k)


def hcl_object(mapping: Mapping[str, Any], indent: int = 0) -> Raw:
    """A flat multi-line object in `terraform fmt` canonical layout (`=` aligned), opened at `indent`.

    Values must be scalars or lists: fmt's alignment rules for nested multi-line
    values are not worth reproducing for tags and environment variables.
    """
    if not mapping:
        return Raw("{}", inline_value={})
    pad = " " * (indent + 2)
    keys = [_key(k) for k in mapping]
    width = max(len(k) for k in keys)
    lines = ["{"]
    for key, value in zip(keys, mapping.values(), strict=True):
        if isinstance(value, Mapping):
            raise TypeError("hcl_object() takes a flat mapping")
        lines.append(f"{pad}{key.ljust(width)} = {literal(value)}")
    lines.append(" " * indent + "}")
    return Raw("\n".join(lines), inline_value=dict(mapping))
