"""`policies/checkov/`: how checkov's findings are weighed, and the org's own checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.config import files, yamlsrc
from ssops_ci.model.finding import Severity
from ssops_ci.model.layout import CHECKOV_CHECKS, CHECKOV_CONFIG
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree

_PY_ID = re.compile(r"""\bid\s*=\s*["']([A-Z0-9_]+)["']""")


def _blocking_default() -> list[Severity]:
    return ["critical", "high", "medium"]


class CheckovConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_severity: Severity = "medium"
    blocking_severities: list[Severity] = Field(default_factory=lambda: _blocking_default())
    default_link: str | None = None
    checks: dict[str, Severity] = Field(default_factory=dict)


@dataclass(frozen=True)
class CustomChecks:
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> content
    ids: frozenset[str] = frozenset()


def load_config(tree: Tree) -> CheckovConfig:
    return files.load(CheckovConfig, tree, CHECKOV_CONFIG)


def _python_check_ids(path: str, data: bytes) -> set[str]:
    try:
        compile(data, path, "exec")
    except SyntaxError as e:
        raise InputError(
            [Problem(path, e.lineno or 1, e.offset or 1, f"custom check does not compile: {e.msg}")]
        ) from None
    found = set(_PY_ID.findall(data.decode("utf-8", "replace")))
    if not found:
        raise InputError([Problem(path, 1, 1, 'custom check declares no id="CKV_..."')])
    return found


def _graph_check_id(path: str, data: bytes) -> set[str]:
    doc = yamlsrc.load(data, path)
    body = doc.value if isinstance(doc.value, dict) else {}
    meta = body.get("metadata")
    check_id = meta.get("id") if isinstance(meta, dict) else None
    if not check_id or "definition" not in body:
        raise InputError([doc.problem((), "a custom graph check needs metadata.id and definition")])
    return {str(check_id)}


def _ids(path: str, name: str, data: bytes) -> set[str]:
    if name.endswith(".py") and name != "__init__.py":
        return _python_check_ids(path, data)
    if name.endswith((".yaml", ".yml")):
        return _graph_check_id(path, data)
    return set()


def load_custom_checks(tree: Tree) -> CustomChecks:
    """The check files and the ids they declare.

    checkov logs and skips a check that fails to load; we would rather refuse the
    whole gate than run with a check silently missing.
    """
    found: dict[str, bytes] = {}
    ids: set[str] = set()
    problems: list[Problem] = []
    for path in tree.files(CHECKOV_CHECKS):
        name = PurePosixPath(path).name
        found[name] = tree.read(path) or b""
        try:
            ids |= _ids(path, name, found[name])
        except InputError as e:
            problems.extend(e.problems)
    if found and "__init__.py" not in found:
        problems.append(
            Problem(f"{CHECKOV_CHECKS}/__init__.py", 1, 1, "checkov loads no check from a folder without it")
        )
    if problems:
        raise InputError(problems)
    return CustomChecks(found, frozenset(ids))
