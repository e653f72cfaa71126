"""`ssops-ci policy check`: every platform-owned file of a tree, validated at once, each problem at its line."""

from __future__ import annotations

from ssops_ci.config import checkov, guardrails, objectives, policies, pricing, risk_rules, setup
from ssops_ci.config.setup import Setup
from ssops_ci.model.problems import Problem
from ssops_ci.ports import Tree

# what is read, in the order a platform engineer would fix it: the catalog first, since policies name its kinds
FILES = "templates/*/template.yaml, policies/teams.yaml, policies/platform.yaml, policies/guardrails.yaml, "
FILES += "policies/risk.yaml, policies/checkov/, policies/pricing/, policies/objectives.yaml"


def check_policies(tree: Tree, loaded: Setup | None = None) -> list[Problem]:
    """Every problem in the catalog and the policy files; [] when the gate could run on this tree.
    `loaded`: the tree's catalog, teams and platform when the caller has them already (not read twice)."""
    return policies_of(tree, loaded)[0]


def policies_of(tree: Tree, loaded: Setup | None = None) -> tuple[list[Problem], policies.Policies | None]:
    """`check_policies`, and the policies it read when there was no problem (so nobody reads them again)."""
    problems: list[Problem] = []
    s = loaded or policies.attempt(setup.load, tree, problems)
    # each file on its own, so a broken catalog does not hide a broken policy
    rails = policies.attempt(guardrails.load, tree, problems)
    risk = policies.attempt(risk_rules.load, tree, problems)
    weighing = policies.attempt(checkov.load_config, tree, problems)
    custom = policies.attempt(checkov.load_custom_checks, tree, problems)
    if s is not None and rails is not None:
        problems.extend(guardrails.check_against(rails, s.catalog))
    policies.attempt(pricing.load, tree, problems)
    policies.attempt(objectives.load, tree, problems)
    found = sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))
    if found or rails is None or weighing is None or risk is None or custom is None:
        return found, None
    return found, policies.Policies(rails, weighing, risk, custom)
