"""Everything that judges a change, read from the base revision: guardrails, checkov's weighing and the
org's own checks, and the risk rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ssops_ci.config import checkov, guardrails, risk_rules
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.checkov import CheckovConfig, CustomChecks
from ssops_ci.config.guardrails import Guardrails
from ssops_ci.config.risk_rules import RiskRules
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree

T = TypeVar("T")


@dataclass(frozen=True)
class Policies:
    guardrails: Guardrails
    checkov: CheckovConfig
    risk: RiskRules
    custom_checks: CustomChecks


def attempt(fn: Callable[[Tree], T], tree: Tree, problems: list[Problem]) -> T | None:
    """`fn(tree)`, or None with its problems collected, so one run shows every broken file."""
    try:
        return fn(tree)
    except InputError as e:
        problems.extend(e.problems)
        return None


def load(tree: Tree, catalog: Catalog) -> Policies:
    """Every policy file; InputError lists every problem (the gate then fails closed)."""
    problems: list[Problem] = []
    g = attempt(guardrails.load, tree, problems)
    weighing = attempt(checkov.load_config, tree, problems)
    risk = attempt(risk_rules.load, tree, problems)
    custom = attempt(checkov.load_custom_checks, tree, problems)
    if problems or g is None or weighing is None or risk is None or custom is None:
        raise InputError(problems)
    mismatched = guardrails.check_against(g, catalog)
    if mismatched:
        raise InputError(mismatched)
    return Policies(g, weighing, risk, custom)
