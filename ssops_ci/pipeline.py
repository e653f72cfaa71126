"""The whole evaluation, in order: plan -> findings -> (cost -> risk). Pure data in, report out."""

from __future__ import annotations

import datetime as dt

import git

from ssops_ci import planner, policy
from ssops_ci.cost import stage as cost_stage
from ssops_ci.planner import Planned, Progress
from ssops_ci.security import Scanner


def evaluate(
    repo: git.Repo,
    base_ref: str,
    head_ref: str,
    *,
    engine: str | None = None,
    only: list[str] | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    scanner: Scanner | None = None,
) -> Planned:
    planned = planner.plan(repo, base_ref, head_ref, engine=engine, only=only, progress=progress)
    policy.evaluate(planned, today=today, scanner=scanner)
    policies, _ = policy.load_policies(planned)
    cost_stage.evaluate(planned, policies)
    return planned
