"""Load a platform-owned YAML file into a pydantic model, with file:line errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ssops_ci.config import yamlsrc
from ssops_ci.model.fmt import did_you_mean
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree

M = TypeVar("M", bound=BaseModel)


def allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The fields a model accepts at `loc` (a nested model's, through optionals and lists)."""
    current: Any = model
    for part in loc:
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def unknown_field(loc: tuple[Any, ...], model: type[BaseModel] | None) -> str:
    """What to say about a field the model does not have: the closest known one, and what is allowed."""
    where = ".".join(str(x) for x in loc)
    allowed = allowed_fields(model, loc[:-1]) if model is not None and loc else []
    if not allowed:
        return f"{where}: unknown field; remove it or check the spelling"
    guess = did_you_mean(loc[-1], allowed) or " remove it or check the spelling;"
    return f"{where}: unknown field;{guess} allowed here: {', '.join(allowed)}"


def describe(err: ErrorDetails, retired: Mapping[str, str] | None = None, model: type[BaseModel] | None = None) -> str:
    """One readable sentence for one pydantic error; `retired`: fields earlier versions read -> what now."""
    loc = ".".join(str(x) for x in err.get("loc", ())) or "(document)"
    kind = err.get("type")
    if kind == "missing":
        return f"{loc}: required field is missing"
    if kind == "extra_forbidden":
        hint = (retired or {}).get(str(err.get("loc", ("",))[-1]))
        return f"{loc}: {hint}" if hint else unknown_field(tuple(err.get("loc", ())), model)
    msg = str(err.get("msg", "invalid value"))
    got = err.get("input")
    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{loc}: {msg} (got {shown})"


def problems_from(
    err: ValidationError,
    doc: yamlsrc.Located,
    retired: Mapping[str, str] | None = None,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        prefer_key = e["type"] in ("extra_forbidden", "missing")
        out.append(doc.problem(loc, describe(e, retired, model), prefer_key=prefer_key))
    return out


def parse(model: type[M], data: bytes, path: str, *, max_bytes: int = 1024 * 1024) -> M:
    doc = yamlsrc.load(data, path, max_bytes=max_bytes)
    if not isinstance(doc.value, dict):
        raise InputError([Problem(path, 1, 1, "expected a mapping at the top of the file")])
    try:
        return model.model_validate(doc.value)
    except ValidationError as e:
        raise InputError(problems_from(e, doc, model=model)) from None


def load(model: type[M], tree: Tree, path: str) -> M:
    data = tree.read(path)
    if data is None:
        raise InputError([Problem(path, 1, 1, f"required file is missing in {tree.label}")])
    return parse(model, data, path)
