"""GitHub Actions expressions (`${{ ... }}`), as far as workflows use them: contexts, literals, the
operators, loose comparison (differing types compare as numbers, strings case-insensitively) and the
functions fromJSON, toJSON, format, contains, startsWith and the status checks."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_INTERPOLATION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)  # type: ignore[arg-type]
        if kind == "num":
            out.append(("lit", float(value) if "." in value else int(value)))
        elif kind == "str":
            out.append(("lit", value[1:-1].replace("''", "'")))
        elif kind == "name" and value in ("true", "false", "null"):
            out.append(("lit", {"true": True, "false": False, "null": None}[value]))
        else:
            out.append((kind or "op", value))
    return out


def _number(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip()) if v.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b) or (isinstance(a, int | float) and isinstance(b, int | float)):
        return bool(a == b)
    return _number(a) == _number(b)


def truthy(v: Any) -> bool:
    return v not in (None, False, 0, "") and not (isinstance(v, float) and math.isnan(v))


def text(v: Any) -> str:
    """A value as it reads inside a string."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return json.dumps(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]], ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]):
        self.t, self.i, self.ctx, self.funcs = tokens, 0, ctx, funcs

    def peek(self) -> tuple[str, Any] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, value: str | None = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ExpressionError(f"expected {value or 'more'} at token {self.i}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()}")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            left = left if truthy(left) else right
        return left

    def and_(self) -> Any:
        left = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            left = right if truthy(left) else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("==", "!=", "<", ">", "<=", ">="):
            op = self.take()[1]
            right = self.unary()
            if op in ("==", "!="):
                return _equal(left, right) == (op == "==")
            a, b = _number(left), _number(right)
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "lit":
            return value
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "name" and self.peek() == ("op", "("):
            return self.call(value)
        if kind == "name":
            return self.ctx.get(value)
        raise ExpressionError(f"unexpected {value!r}")

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        fn = self.funcs.get(name.lower())
        if fn is None:
            raise ExpressionError(f"unknown function {name}")
        return fn(*args)

    def postfix(self, value: Any) -> Any:
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
                value = value.get(key) if isinstance(value, dict) else None
            else:
                key = self.or_()
                self.take("]")
                value = value.get(key) if isinstance(value, dict) else value[key] if isinstance(value, list) else None
        return value


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: text(args[int(m.group(1))]), template)


def evaluate(expression: str, ctx: dict[str, Any], status: str = "success") -> Any:
    funcs: dict[str, Callable[..., Any]] = {
        "fromjson": lambda s: json.loads(s),
        "tojson": lambda v: json.dumps(v),
        "format": _format,
        "contains": lambda hay, needle: (
            (text(needle).lower() in text(hay).lower())
            if not isinstance(hay, list)
            else any(_equal(x, needle) for x in hay)
        ),
        "startswith": lambda s, p: text(s).lower().startswith(text(p).lower()),
        "success": lambda: status == "success",
        "failure": lambda: status == "failure",
        "always": lambda: True,
        "cancelled": lambda: False,
    }
    return _Parser(_tokens(expression), ctx, funcs).parse()


def interpolate(value: Any, ctx: dict[str, Any]) -> Any:
    """`${{ }}` replaced in a string (a whole-string expression keeps its type); lists and maps recursively."""
    if isinstance(value, str):
        whole = _INTERPOLATION.fullmatch(value.strip())
        if whole:
            return evaluate(whole.group(1), ctx)
        return _INTERPOLATION.sub(lambda m: text(evaluate(m.group(1), ctx)), value)
    if isinstance(value, dict):
        return {k: interpolate(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, ctx) for v in value]
    return value


def condition(expression: str | None, ctx: dict[str, Any], status: str) -> bool:
    """A job's or step's `if:` (bare or in `${{ }}`); without a status function, success() is implied."""
    if expression is None or expression == "":
        return status == "success"
    inner = expression.strip()
    m = _INTERPOLATION.fullmatch(inner)
    inner = m.group(1) if m else inner
    if not re.search(r"\b(success|failure|always|cancelled)\s*\(", inner):
        inner = f"success() && ({inner})"
    return truthy(evaluate(inner, ctx, status))
