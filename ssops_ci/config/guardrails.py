"""`policies/guardrails.yaml`: the org's rules on requests and planned changes."""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ssops_ci.config import files
from ssops_ci.config.catalog import Catalog
from ssops_ci.model.finding import Severity
from ssops_ci.model.layout import GUARDRAILS
from ssops_ci.model.problems import Problem
from ssops_ci.ports import Tree

EnvOrAll = Literal["all", "dev", "staging", "prod"]


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


def load(tree: Tree) -> Guardrails:
    return files.load(Guardrails, tree, GUARDRAILS)


def check_against(g: Guardrails, catalog: Catalog) -> list[Problem]:
    """A rule naming a kind or parameter that does not exist would silently never fire."""
    problems = []
    for scope, kinds in g.parameters.items():
        for kind, params in kinds.items():
            decl = catalog.get(kind)
            if decl is None:
                problems.append(Problem(GUARDRAILS, 1, 1, f"parameters.{scope}.{kind}: no such kind in templates/"))
                continue
            problems += [
                Problem(GUARDRAILS, 1, 1, f"parameters.{scope}.{kind}.{param}: {kind} has no such parameter")
                for param in params
                if param not in decl.spec.parameters
            ]
    for q in g.quotas:
        if catalog.get(q.kind) is None:
            problems.append(Problem(GUARDRAILS, 1, 1, f"quotas: no such kind {q.kind} in templates/"))
    return problems
