"""Service levels from the audit trail: each objective measured overall, per tier and per team, against
its target, with how much of its error budget is burnt (1.0 = all of it). Pure functions of the events."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from ssops_ci.config.objectives import Ceiling, Floor, Latency, Objectives
from ssops_ci.model.fmt import duration
from ssops_ci.model.metrics import TIERS, PrStory
from ssops_ci.model.slo import Objective, Queue, Service, Status
from ssops_ci.stages.metrics import percentile, stories

Event = dict[str, Any]
Sample = tuple[float, str | None, set[str]]  # value, tier, teams


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _seconds(a: str | None, b: str | None) -> float | None:
    return None if not a or not b else max(0.0, (_t(b) - _t(a)).total_seconds())


def _status(burnt: float | None, samples: int) -> Status:
    if not samples or burnt is None:
        return "no data" if not samples else "missed"
    return "missed" if burnt > 1 else "at risk" if burnt >= 0.75 else "met"


def _burnt(misses: int, samples: int, budget: float) -> float | None:
    """Misses as a share of the misses the budget allows; None when none were allowed and some happened."""
    if not samples:
        return None
    allowed = budget * samples
    if allowed == 0:
        return 0.0 if misses == 0 else None
    return round(misses / allowed, 4)


def _teams(events: list[Event]) -> dict[int, set[str]]:
    """The teams whose stacks each pull request changes (from its evaluations)."""
    out: dict[int, set[str]] = {}
    for e in events:
        if e.get("pr") is not None and e["event"] in ("evaluate", "review"):
            out.setdefault(int(e["pr"]), set()).update(str(s).split("/")[0] for s in e.get("stacks") or [])
    return out


def _grouped(samples: list[Sample], key: Callable[[Sample], list[str]], q: float) -> dict[str, float | None]:
    groups: dict[str, list[float]] = {}
    for s in samples:
        for k in key(s):
            groups.setdefault(k, []).append(s[0])
    return {k: percentile(v, q) for k, v in sorted(groups.items())}


def _latency(oid: str, title: str, samples: list[Sample], goal: Latency) -> Objective:
    chosen = [s for s in samples if s[1] in goal.tiers]
    values = [v for v, _, _ in chosen]
    misses = sum(1 for v in values if v > goal.target_seconds)
    burnt = _burnt(misses, len(values), (100 - goal.percentile) / 100)
    actual = percentile(values, goal.percentile)
    median = percentile(values, 50)
    q = goal.percentile
    return Objective(
        id=oid,
        title=title,
        target=f"{q:g}% within {duration(goal.target_seconds / 3600)} ({', '.join(goal.tiers)})",
        actual="no data"
        if actual is None or median is None
        else f"median {duration(median / 3600)}, p{q:g} {duration(actual / 3600)} of {len(values)}",
        value=actual,
        median=median,
        goal=goal.target_seconds,
        unit="s",
        samples=len(values),
        budget_burnt=burnt,
        status=_status(burnt, len(values)),
        by_tier=_grouped(samples, lambda s: [str(s[1])] if s[1] in TIERS else [], q),
        by_team=_grouped(chosen, lambda s: sorted(s[2]), q),
    )


def _rate(oid: str, title: str, hits: list[tuple[bool, set[str]]], goal: Ceiling | Floor) -> Objective:
    """A share of cases (hit = counted in the share), held under a ceiling or over a floor."""
    n = len(hits)
    share = sum(1 for h, _ in hits if h) / n if n else None
    if isinstance(goal, Ceiling):
        target, budget, misses = f"at most {goal.max:.0%}", goal.max, sum(1 for h, _ in hits if h)
    else:
        target, budget, misses = f"at least {goal.min:.0%}", 1 - goal.min, sum(1 for h, _ in hits if not h)
    burnt = _burnt(misses, n, budget)
    teams: dict[str, list[bool]] = {}
    for h, ts in hits:
        for t in ts:
            teams.setdefault(t, []).append(h)
    return Objective(
        id=oid,
        title=title,
        target=target,
        actual="no data" if share is None else f"{share:.1%} of {n}",
        value=None if share is None else round(share, 4),
        goal=goal.max if isinstance(goal, Ceiling) else goal.min,
        unit="%",
        samples=n,
        budget_burnt=burnt,
        status=_status(burnt, n),
        by_team={t: round(sum(v) / len(v), 4) for t, v in sorted(teams.items())},
    )


def _approved_at(events: list[Event]) -> dict[int, str]:
    """When each pull request first had every approval its tier needs."""
    out: dict[int, str] = {}
    for e in events:
        pr = e.get("pr")
        if pr is None or e["event"] not in ("evaluate", "review") or e.get("tier") not in ("medium", "high"):
            continue
        if e.get("approved") and not e.get("missing"):
            out.setdefault(int(pr), e["time"])
    return out


def _pipeline(events: list[Event], teams: dict[int, set[str]]) -> list[tuple[bool, set[str]]]:
    """Every evaluation and apply run: True when it did not end in an error."""
    runs = []
    for e in events:
        if e["event"] in ("evaluate", "review", "evaluate-failed"):
            runs.append((e["event"] != "evaluate-failed", teams.get(int(e["pr"]), set()) if e.get("pr") else set()))
        elif e["event"] == "apply-done":
            runs.append(
                (bool(e.get("ok")), {str(s).split("/")[0] for s in (e.get("applied") or []) + (e.get("failed") or [])})
            )
    return runs


def _audit_gaps(events: list[Event], by_pr: dict[int, PrStory]) -> tuple[list[tuple[bool, set[str]]], list[str]]:
    judged = {int(e["pr"]): e["time"] for e in reversed(events) if e["event"] in ("evaluate", "review") and e.get("pr")}
    applied = {e.get("sha") for e in events if e["event"] == "apply-done"}
    cases: list[tuple[bool, set[str]]] = []
    gaps: list[str] = []
    for s in sorted(by_pr.values(), key=lambda s: s.pr):
        if not s.merged:
            continue
        missing = []
        if s.pr not in judged or judged[s.pr] > s.merged:
            missing.append("no evaluation before the merge")
        if s.merge_sha not in applied:
            missing.append(f"no apply of {str(s.merge_sha)[:12]}")
        cases.append((not missing, set()))
        gaps += [f"#{s.pr} (merged {s.merged}): {m}" for m in missing]
    return cases, gaps


AGES = [(1, "under 1 hour"), (24, "1 hour to 1 day"), (168, "1 to 7 days"), (math.inf, "over 7 days")]


def _waits_on(s: PrStory) -> list[str]:
    if s.tier == "blocked":
        return ["the author"]
    if s.tier in ("medium", "high"):
        return s.missing or s.required or ["a reviewer"]
    return ["required checks"]


def _queue(by_pr: dict[int, PrStory], now: dt.datetime) -> Queue:
    ages: Counter[str] = Counter()
    on: Counter[str] = Counter()
    for s in by_pr.values():
        if s.merged or not s.opened:
            continue
        hours = (now - _t(s.opened)).total_seconds() / 3600
        ages[next(label for limit, label in AGES if hours < limit)] += 1
        on.update(_waits_on(s))
    return Queue(by_age={label: ages[label] for _, label in AGES}, by_waiting_on=dict(sorted(on.items())))


def service(events: list[Event], goals: Objectives, now: dt.datetime, since: dt.date | None = None) -> Service:
    chosen = [e for e in events if since is None or _t(e["time"]).date() >= since]
    by_pr = stories(chosen)
    teams = _teams(chosen)
    provisioning = [
        (v, s.tier, teams.get(s.pr, set())) for s in by_pr.values() if (v := _seconds(s.merged, s.applied)) is not None
    ]
    approvals = _approved_at(chosen)
    turnaround = [
        (v, s.tier, teams.get(s.pr, set()))
        for s in by_pr.values()
        if (v := _seconds(s.opened, approvals.get(s.pr))) is not None
    ]
    evaluated = [
        (bool(s.blocking_checks) or s.tier == "blocked", teams.get(s.pr, set())) for s in by_pr.values() if s.tier
    ]
    applies = [e for e in chosen if e["event"] == "apply-done"]
    partial: list[tuple[bool, set[str]]] = [(bool(e.get("applied")) and bool(e.get("failed")), set()) for e in applies]
    audit_cases, gaps = _audit_gaps(chosen, by_pr)
    completeness = _rate("audit_completeness", "Audit completeness", audit_cases, goals.audit_completeness)
    completeness.notes = gaps
    return Service(
        objectives=[
            _latency(
                "provisioning_latency",
                "Provisioning latency, merge → applied",
                provisioning,
                goals.provisioning_latency,
            ),
            _latency(
                "approval_turnaround", "Approval turnaround, opened → approved", turnaround, goals.approval_turnaround
            ),
            _rate("policy_deny_rate", "Policy deny rate", evaluated, goals.policy_deny_rate),
            _rate(
                "pipeline_success_rate", "Pipeline success rate", _pipeline(chosen, teams), goals.pipeline_success_rate
            ),
            _rate("partial_applies", "Partial applies", partial, goals.partial_applies),
            completeness,
        ],
        queue=_queue(by_pr, now),
        declared=goals.declared,
    )
