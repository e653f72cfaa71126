"""`policies/risk.yaml`: risk rules as data over a fixed vocabulary of conditions."""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ssops_ci.config import files
from ssops_ci.model.layout import RISK
from ssops_ci.model.risk import Tier
from ssops_ci.ports import Tree

STACK_FIELDS = {
    "stack",
    "kind",
    "environment",
    "team",
    "reason",
    "action",
    "address",
    "blocking_count",
    "blocking_checks",
    "waived_checks",
    "monthly_delta",
    "monthly_before",
    "monthly_after",
    "error",
}
PR_FIELDS = {"governance_paths", "template_reach", "stacks", "monthly_delta"}


class When(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ok", "error"] | None = None
    blocking_findings: bool | None = None
    drift: bool | None = None
    environments: list[Literal["dev", "staging", "prod"]] | None = None
    kinds: list[str] | None = None
    reasons: list[str] | None = None
    actions: list[Literal["create", "update", "replace", "delete"]] | None = None
    holds_data: bool | None = None
    waivers: bool | None = None
    monthly_delta_over: float | None = None
    monthly_delta_percent_over: float | None = None


class PrWhen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    governance: bool | None = None
    template_reach_over: int | None = None
    stacks_over: int | None = None
    monthly_delta_over: float | None = None


def _check_template(reason: str, allowed: set[str]) -> str:
    for _, name, _, _ in string.Formatter().parse(reason):
        if name is None:
            continue
        if not re.fullmatch(r"[a-z_]+", name) or name not in allowed:
            raise ValueError(f"unknown field {{{name}}} in reason; use one of {', '.join(sorted(allowed))}")
    return reason


class StackRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    when: When
    tier: Tier
    reason: str

    @field_validator("reason")
    @classmethod
    def _fields(cls, v: str) -> str:
        return _check_template(v, STACK_FIELDS)


class PrRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    when: PrWhen
    tier: Tier
    reason: str

    @field_validator("reason")
    @classmethod
    def _fields(cls, v: str) -> str:
        return _check_template(v, PR_FIELDS)


class RiskRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stack_rules: list[StackRule] = Field(default_factory=list)
    pr_rules: list[PrRule] = Field(default_factory=list)


def load(tree: Tree) -> RiskRules:
    return files.load(RiskRules, tree, RISK)
