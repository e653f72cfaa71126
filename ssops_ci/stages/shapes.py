"""A parsed skeleton compiled into functions that fill its placeholders.

Every stack of a kind has the same skeleton (see render), so the work of walking its
parsed blocks is done once: the walk becomes Python source that builds the filled
structure directly from the list of request values. The source holds no value, key or
string from anywhere: every constant of the skeleton is passed in a table and referred
to by index, so nothing a request or a template says is ever compiled.

Two builders per skeleton: the parser's raw layout (for the structural refusals and block
labels) and, per resource and for `locals`, the normalised attributes (`blocks.normalise`
applied to the filled value, the way parsing the real file would give them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssops_ci.stages import hcl
from ssops_ci.stages.blocks import iter_blocks, normalise

PLACEHOLDER = re.compile(r"__ssops_(\d+)__")
# Inside an expression the parser shows a placeholder quoted either way ("x" or, within
# jsonencode/maps, 'x'); the whole quoted token stands for the value.
_QUOTED_PLACEHOLDER = re.compile(r"""(["']?)__ssops_(\d+)__\1""")
_LINE_KEYS = ("__start_line__", "__end_line__")

Builder = Callable[[list[Any]], Any]


def _substitute(text: str, values: list[Any]) -> str:
    return _QUOTED_PLACEHOLDER.sub(lambda m: hcl.literal(values[int(m.group(2))]), text)


def _label(text: str, values: list[Any]) -> str:
    m = PLACEHOLDER.fullmatch(text)
    return str(values[int(m.group(1))]) if m else _substitute(text, values)


def _unwrapped(value: Any) -> Any:
    return normalise(value[0] if isinstance(value, list) and len(value) == 1 else value)


class _Compiler:
    """Python source for one builder; constants go to a table, never into the source."""

    def __init__(self) -> None:
        self.constants: list[Any] = []

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"c[{len(self.constants) - 1}]"

    def string(self, text: str, whole: str) -> str:
        m = PLACEHOLDER.fullmatch(text)
        if m:
            return whole.format(int(m.group(1)))
        if "__ssops_" in text:
            return f"_sub({self.const(text)}, v)"
        return self.const(text)

    def key(self, key: str) -> str:
        return f"_label({self.const(key)}, v)" if "__ssops_" in key else self.const(key)

    def raw(self, node: Any) -> str:
        """The filled node, exactly as `render` would get by filling the parsed skeleton."""
        if isinstance(node, str):
            return self.string(node, "v[{}]")
        if isinstance(node, dict):
            return "{" + ", ".join(f"{self.key(k)}: {self.raw(v)}" for k, v in node.items()) + "}"
        if isinstance(node, list):
            return "[" + ", ".join(self.raw(v) for v in node) + "]"
        return self.const(node)

    def normalised(self, node: Any, whole: str = "_n(v[{}])") -> str:
        """`normalise(fill(node))`, decided here for the skeleton's part and at run time for each value."""
        if isinstance(node, str):
            return self.string(node, whole)
        if isinstance(node, dict):
            items = []
            for k, v in node.items():
                if k in _LINE_KEYS:
                    continue
                if isinstance(v, list) and len(v) == 1:
                    items.append(f"{self.key(k)}: {self.normalised(v[0])}")
                else:
                    items.append(f"{self.key(k)}: {self.normalised(v, '_u(v[{}])')}")
            return "{" + ", ".join(items) + "}"
        if isinstance(node, list):
            return "[" + ", ".join(self.normalised(v) for v in node) + "]"
        return self.const(node)

    def build(self, source: str) -> Builder:
        scope = {"c": self.constants, "_sub": _substitute, "_label": _label, "_n": normalise, "_u": _unwrapped}
        # The source is made of brackets, `c[i]`, `v[i]` and the four helpers above, nothing else.
        code = compile(f"lambda v: {source}", "<ssops skeleton>", "eval")
        return eval(code, scope)  # type: ignore[no-any-return]  # noqa: S307


@dataclass(frozen=True)
class Shape:
    """One parsed skeleton and its builders."""

    raw: Builder
    # Normalised attributes of each `resource` then `data` block, in `blocks.iter_blocks` order.
    attributes: Builder
    locals: Builder


def compile_shape(blocks: dict[str, Any]) -> Shape:
    raw = _Compiler()
    bodies = [body for mode in ("resource", "data") for _, _, body in iter_blocks(blocks, mode)]
    attrs = _Compiler()
    local = _Compiler()
    groups = blocks.get("locals", [])
    return Shape(
        raw=raw.build(raw.raw(blocks)),
        attributes=attrs.build("[" + ", ".join(attrs.normalised(b) for b in bodies) + "]"),
        # Later groups win, as `dict.update` over the groups in order would.
        locals=local.build("{" + ", ".join(f"**{local.normalised(g)}" for g in groups) + "}"),
    )
