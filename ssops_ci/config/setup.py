"""The catalog, teams and platform settings of one revision: what it takes to validate and render requests."""

from __future__ import annotations

from dataclasses import dataclass

from ssops_ci.config import catalog, platform, teams
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.config.policies import attempt
from ssops_ci.config.teams import Teams
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.ports import Tree


@dataclass(frozen=True)
class Setup:
    source: str  # which tree it came from, for messages
    catalog: Catalog
    teams: Teams
    platform: Platform


def load(tree: Tree) -> Setup:
    """Load every file; collect all their problems so one run shows them all."""
    problems: list[Problem] = []
    cat = attempt(catalog.load, tree, problems)
    tms = attempt(teams.load, tree, problems)
    plat = attempt(platform.load, tree, problems)
    if cat is None or tms is None or plat is None:
        raise InputError(problems)
    return Setup(source=tree.label, catalog=cat, teams=tms, platform=plat)
