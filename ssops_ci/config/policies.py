"""The policies that judge a change, all read from the base revision."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ssops_ci.adapters.git import Tree
from ssops_ci.config import files as policyfile
from ssops_ci.config import yamlsrc
from ssops_ci.config.risk_rules import RiskRules
from ssops_ci.model.finding import Severity
from ssops_ci.model.problems import InputError, Problem

GUARDRAILS = "policies/guardrails.yaml"
CHECKOV_CONFIG = "policies/checkov/config.yaml"
CHECKOV_CHECKS = "policies/checkov/checks"
RISK = "policies/risk.yaml"
EnvOrAll = Literal["all", "dev", "staging", "prod"]
M = TypeVar("M", bound=BaseModel)


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"not a valid regular expression: {e}") from None
    return pattern


class ParamRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allowed: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    equals: Any = None
    pattern: str | None = None
    message: str | None = None
    severity: Severity = "high"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        return _regex(v) if v is not None else v


class MetadataRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str
    message: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _regex(v)


class Naming(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reserved_words: list[str] = Field(default_factory=list)
    message: str = "this name is reserved"


class Quota(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    environment: EnvOrAll = "all"
    max_per_team: int = Field(ge=0)
    message: str | None = None


class DestroyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environments: list[Literal["dev", "staging", "prod"]]
    holds_data: bool = True
    severity: Severity = "high"
    blocking: bool = False
    message: str


class WaiverPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_days: int = Field(default=90, ge=1)
    not_waivable: list[str] = Field(default_factory=lambda: ["ssops.*", "waiver.*"])

    def waivable(self, check_id: str) -> bool:
        return not any(fnmatch.fnmatchcase(check_id, p) for p in self.not_waivable)


class BudgetPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Severity = "high"
    blocking: bool = True
    warn_at_percent: float = Field(default=90, gt=0, le=100)


class Guardrails(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: dict[Literal["costCenter", "description"], MetadataRule] = Field(default_factory=dict)
    naming: Naming = Field(default_factory=Naming)
    parameters: dict[EnvOrAll, dict[str, dict[str, ParamRule]]] = Field(default_factory=dict)
    quotas: list[Quota] = Field(default_factory=list)
    destroy: list[DestroyRule] = Field(default_factory=list)
    waivers: WaiverPolicy = Field(default_factory=WaiverPolicy)
    budgets: BudgetPolicy = Field(default_factory=BudgetPolicy)


def _blocking_default() -> list[Severity]:
    return ["critical", "high", "medium"]


class CheckovConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_severity: Severity = "medium"
    blocking_severities: list[Severity] = Field(default_factory=lambda: _blocking_default())
    default_link: str | None = None
    checks: dict[str, Severity] = Field(default_factory=dict)


@dataclass(frozen=True)
class PolicySet:
    guardrails: Guardrails
    checkov: CheckovConfig
    risk: RiskRules
    custom_checks: dict[str, bytes] = field(default_factory=dict)  # file name -> content
    custom_check_ids: frozenset[str] = frozenset()


_PY_ID = re.compile(r"""\bid\s*=\s*["']([A-Z0-9_]+)["']""")


def _custom_checks(tree: Tree) -> tuple[dict[str, bytes], set[str], list[Problem]]:
    """The check files, the ids they declare, and what is wrong with them.

    checkov logs and skips a check that fails to load; we would rather refuse the
    whole gate than run with a check silently missing.
    """
    files: dict[str, bytes] = {}
    ids: set[str] = set()
    problems: list[Problem] = []
    for path in tree.files(CHECKOV_CHECKS):
        name = PurePosixPath(path).name
        data = tree.read(path) or b""
        files[name] = data
        if name.endswith(".py"):
            if name == "__init__.py":
                continue
            try:
                compile(data, path, "exec")
            except SyntaxError as e:
                problems.append(Problem(path, e.lineno or 1, e.offset or 1, f"custom check does not compile: {e.msg}"))
                continue
            found = _PY_ID.findall(data.decode("utf-8", "replace"))
            if not found:
                problems.append(Problem(path, 1, 1, 'custom check declares no id="CKV_..."'))
            ids.update(found)
        elif name.endswith((".yaml", ".yml")):
            try:
                doc = yamlsrc.load(data, path)
            except InputError as e:
                problems.extend(e.problems)
                continue
            body = doc.value if isinstance(doc.value, dict) else {}
            check_id = (body.get("metadata") or {}).get("id") if isinstance(body.get("metadata"), dict) else None
            if not check_id or "definition" not in body:
                problems.append(doc.problem((), "a custom graph check needs metadata.id and definition"))
                continue
            ids.add(str(check_id))
    if files and "__init__.py" not in files:
        problems.append(
            Problem(f"{CHECKOV_CHECKS}/__init__.py", 1, 1, "checkov loads no check from a folder without it")
        )
    return files, ids, problems


def load(tree: Tree) -> PolicySet:
    """Every policy file; InputError lists every problem (the gate then fails closed)."""
    problems: list[Problem] = []
    guardrails = _attempt(Guardrails, tree, GUARDRAILS, problems)
    checkov = _attempt(CheckovConfig, tree, CHECKOV_CONFIG, problems)
    risk = _attempt(RiskRules, tree, RISK, problems)
    files, ids, check_problems = _custom_checks(tree)
    problems.extend(check_problems)
    if problems or guardrails is None or checkov is None or risk is None:
        raise InputError(problems)
    return PolicySet(guardrails, checkov, risk, files, frozenset(ids))


def _attempt(model: type[M], tree: Tree, path: str, problems: list[Problem]) -> M | None:
    try:
        return policyfile.load(model, tree, path)
    except InputError as e:
        problems.extend(e.problems)
    return None
