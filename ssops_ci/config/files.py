"""Load a platform-owned YAML file into a pydantic model, with file:line errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ssops_ci.config import yamlsrc
from ssops_ci.model.fmt import did_you_mean
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree

M = TypeVar("M", bound=BaseModel)


def allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The fields a model accepts at `loc`, through nested models, optionals, lists and mappings."""
    annotation: Any = model
    for part in loc:
        current = _model_in(annotation)
        if current is not None and part in current.model_fields:
            annotation = current.model_fields[part].annotation
        elif _is_container(annotation):
            annotation = _element(annotation)  # `part` is a list index or a mapping key
        else:
            return []
    found = _model_in(annotation)
    return sorted(found.model_fields) if found is not None else []


def _is_container(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, dict, tuple, set, frozenset):
        return True
    return any(_is_container(a) for a in get_args(annotation)) if origin is not None else False


def _element(annotation: Any) -> Any:
    """The value type of a list or mapping (inside an optional)."""
    origin = get_origin(annotation)
    if origin in (list, set, frozenset, tuple):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return next((_element(a) for a in get_args(annotation) if _is_container(a)), None)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, dict, tuple, set, frozenset):
        return None  # a container's elements are reached through its index or key
    for arg in get_args(annotation):
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


def describe(
    err: ErrorDetails,
    retired: Mapping[str, str] | None = None,
    model: type[BaseModel] | None = None,
    rules: Mapping[str, str] | None = None,
) -> str:
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
    words = (rules or {}).get(str((err.get("ctx") or {}).get("pattern", "")))
    if kind == "string_pattern_mismatch" and words:
        msg = f"must be {words}"  # a rule in words, not the regex behind it
    guess = ""
    if kind in ("literal_error", "enum") and isinstance(got, str):
        guess = did_you_mean(got, re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", ""))))
    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{loc}: {msg} (got {shown})" + (f";{guess}" if guess else "")


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
    return validated(model, yamlsrc.load(data, path, max_bytes=max_bytes), path)


def validated(model: type[M], doc: yamlsrc.Located, path: str) -> M:
    """A parsed file as `model`, for a caller that keeps the positions to report problems of its own."""
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
