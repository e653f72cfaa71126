"""Everything used to judge a change, loaded once from one tree (the base commit in CI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ssops_ci.adapters.git import Tree
from ssops_ci.config import catalog, platform, teams
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.config.teams import Teams
from ssops_ci.model.problems import InputError, Problem

T = TypeVar("T")


@dataclass(frozen=True)
class Gate:
    source: str  # which tree it came from, for messages
    catalog: Catalog
    teams: Teams
    platform: Platform


def _attempt(fn: Callable[[Tree], T], tree: Tree, problems: list[Problem]) -> T | None:
    try:
        return fn(tree)
    except InputError as e:
        problems.extend(e.problems)
        return None


def load(tree: Tree) -> Gate:
    """Load every policy file; collect all their problems so one run shows them all."""
    problems: list[Problem] = []
    cat = _attempt(catalog.load, tree, problems)
    tms = _attempt(teams.load, tree, problems)
    plat = _attempt(platform.load, tree, problems)
    if cat is None or tms is None or plat is None:
        raise InputError(problems)
    return Gate(source=tree.label, catalog=cat, teams=tms, platform=plat)
