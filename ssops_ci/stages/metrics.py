"""What self-service achieved, computed from the audit trail (pure functions of its events)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

TIERS = ("low", "medium", "high", "blocked")


class PrStory(BaseModel):
    pr: int
    title: str = ""
    author: str = ""
    opened: str | None = None
    merged: str | None = None
    applied: str | None = None
    tier: str | None = None  # at merge, or the latest
    no_human: bool = False
    required: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    blocking_checks: list[str] = Field(default_factory=list)
    team_deltas: dict[str, float] = Field(default_factory=dict)
    merge_sha: str | None = None
    apply_failed: bool = False


class Lead(BaseModel):
    count: int
    median_hours: float | None
    p90_hours: float | None


class Metrics(BaseModel):
    since: str | None = None
    prs: int
    merged: int
    applied: int
    no_human_share: float | None
    lead_to_merge: dict[str, Lead]
    lead_to_apply: dict[str, Lead]
    denials: list[tuple[str, int]]
    cost_added: dict[str, float]
    waiting: list[dict[str, Any]]
    apply_failures: int
    stories: list[PrStory]


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _hours(a: str | None, b: str | None) -> float | None:
    return None if not a or not b else max(0.0, (_t(b) - _t(a)).total_seconds() / 3600)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100), the figure a dashboard reader expects."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def stories(events: list[dict[str, Any]]) -> dict[int, PrStory]:
    by_pr: dict[int, PrStory] = {}
    applied_shas: dict[str, str] = {}
    failed_shas: set[str] = set()
    for e in sorted(events, key=lambda e: e["time"]):
        kind = e["event"]
        if kind == "apply-done" and e.get("sha"):
            if e.get("ok"):
                applied_shas.setdefault(e["sha"], e["time"])
            else:
                failed_shas.add(e["sha"])
        pr = e.get("pr")
        if pr is None or kind not in ("open", "evaluate", "review", "merge"):
            continue
        s = by_pr.setdefault(int(pr), PrStory(pr=int(pr)))
        if kind in ("open", "evaluate") and s.opened is None:
            s.opened = e["time"]
            s.author = e.get("actor", "")
        s.title = e.get("title") or s.title
        if kind in ("evaluate", "review") and s.merged is None:
            s.tier = e.get("tier")
            s.required = e.get("required", s.required)
            s.missing = e.get("missing", s.required if kind == "evaluate" else s.missing)
            s.blocking_checks = sorted(set(s.blocking_checks) | set(e.get("blocking_checks", [])))
            s.team_deltas = e.get("team_deltas", s.team_deltas)
            s.no_human = bool(e.get("auto_merge"))
        if kind == "merge" and e.get("merged"):
            s.merged, s.merge_sha = e["time"], e.get("merge_sha")
    for s in by_pr.values():
        if s.merge_sha:
            s.applied = applied_shas.get(s.merge_sha)
            s.apply_failed = s.merge_sha in failed_shas and s.applied is None
    return by_pr


def _lead(stories_: list[PrStory], until: str) -> dict[str, Lead]:
    out = {}
    for tier in (*TIERS[:3], "all"):
        hours = [
            h
            for s in stories_
            if tier in ("all", s.tier)
            for h in [_hours(s.opened, getattr(s, until))]
            if h is not None
        ]
        out[tier] = Lead(
            count=len(hours),
            median_hours=round(statistics.median(hours), 6) if hours else None,
            p90_hours=round(p, 6) if (p := percentile(hours, 90)) is not None else None,
        )
    return out


def compute(events: list[dict[str, Any]], since: dt.date | None = None) -> Metrics:
    all_stories = stories(events)
    chosen = [s for s in all_stories.values() if s.opened and (since is None or _t(s.opened).date() >= since)]
    merged = [s for s in chosen if s.merged]
    denials: Counter[str] = Counter()
    for s in chosen:
        denials.update(set(s.blocking_checks))  # once per PR, however often it was re-evaluated
    cost: defaultdict[str, float] = defaultdict(float)
    for s in merged:
        for team, delta in s.team_deltas.items():
            cost[team] = round(cost[team] + delta, 2)
    waiting = []
    for s in sorted(chosen, key=lambda s: s.pr):
        if s.merged:
            continue
        if s.tier == "blocked":
            # what the author edits (guardrails on their request) before what checkov says of the output
            checks = sorted(s.blocking_checks, key=lambda c: (c.startswith("CKV"), c))
            who = f"the author ({s.author}) to fix {', '.join(checks[:3]) or 'the findings'}"
        elif s.tier in ("medium", "high"):
            who = " and ".join(s.missing or s.required) or "a reviewer"
        else:
            who = "required checks"
        waiting.append({"pr": s.pr, "title": s.title, "tier": s.tier, "since": s.opened, "waiting_on": who})
    return Metrics(
        since=since.isoformat() if since else None,
        prs=len(chosen),
        merged=len(merged),
        applied=sum(1 for s in merged if s.applied),
        no_human_share=round(sum(1 for s in merged if s.no_human) / len(merged), 4) if merged else None,
        lead_to_merge=_lead(merged, "merged"),
        lead_to_apply=_lead([s for s in merged if s.applied], "applied"),
        denials=sorted(denials.items(), key=lambda kv: (-kv[1], kv[0])),
        cost_added=dict(sorted(cost.items())),
        waiting=waiting,
        apply_failures=sum(1 for s in merged if s.apply_failed),
        stories=sorted(chosen, key=lambda s: s.pr),
    )
