"""What self-service achieved, computed from the audit trail (pure functions of its events)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from typing import Any

from ssops_ci.model.metrics import TIERS, Lead, Metrics, PrStory

PR_EVENTS = ("open", "evaluate", "review", "merge")


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


def _judged(s: PrStory, e: dict[str, Any]) -> None:
    """An evaluation or review before the merge: the tier and what it waited on, as of then."""
    s.tier = e.get("tier")
    s.required = e.get("required", s.required)
    s.missing = e.get("missing", s.required if e["event"] == "evaluate" else s.missing)
    s.blocking_checks = sorted(set(s.blocking_checks) | set(e.get("blocking_checks", [])))
    s.team_deltas = e.get("team_deltas", s.team_deltas)
    s.no_human = bool(e.get("auto_merge"))


def _tell(s: PrStory, e: dict[str, Any]) -> None:
    kind = e["event"]
    if kind in ("open", "evaluate") and s.opened is None:
        s.opened = e["time"]
        s.author = e.get("actor", "")
    s.title = e.get("title") or s.title
    if kind in ("evaluate", "review") and s.merged is None:
        _judged(s, e)
    if kind == "merge" and e.get("merged"):
        s.merged, s.merge_sha = e["time"], e.get("merge_sha")


def _applies(events: list[dict[str, Any]]) -> tuple[dict[str, str], set[str]]:
    """When each merge commit was first applied, and which ones failed to apply."""
    applied: dict[str, str] = {}
    failed: set[str] = set()
    for e in events:
        if e["event"] == "apply-done" and e.get("sha"):
            if e.get("ok"):
                applied.setdefault(e["sha"], e["time"])
            else:
                failed.add(e["sha"])
    return applied, failed


def stories(events: list[dict[str, Any]]) -> dict[int, PrStory]:
    by_pr: dict[int, PrStory] = {}
    ordered = sorted(events, key=lambda e: e["time"])
    for e in ordered:
        if e.get("pr") is not None and e["event"] in PR_EVENTS:
            _tell(by_pr.setdefault(int(e["pr"]), PrStory(pr=int(e["pr"]))), e)
    applied, failed = _applies(ordered)
    for s in by_pr.values():
        if s.merge_sha:
            s.applied = applied.get(s.merge_sha)
            s.apply_failed = s.merge_sha in failed and s.applied is None
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
        p90 = percentile(hours, 90)
        out[tier] = Lead(
            count=len(hours),
            median_hours=round(statistics.median(hours), 6) if hours else None,
            p90_hours=round(p90, 6) if p90 is not None else None,
        )
    return out


def _waiting_on(s: PrStory) -> str:
    if s.tier == "blocked":
        # what the author edits (guardrails on their request) before what checkov says of the output
        checks = sorted(s.blocking_checks, key=lambda c: (c.startswith("CKV"), c))
        return f"the author ({s.author}) to fix {', '.join(checks[:3]) or 'the findings'}"
    if s.tier in ("medium", "high"):
        return " and ".join(s.missing or s.required) or "a reviewer"
    return "required checks"


def _cost_added(merged: list[PrStory]) -> dict[str, float]:
    cost: defaultdict[str, float] = defaultdict(float)
    for s in merged:
        for team, delta in s.team_deltas.items():
            cost[team] = round(cost[team] + delta, 2)
    return dict(sorted(cost.items()))


def _denials(chosen: list[PrStory]) -> list[tuple[str, int]]:
    denials: Counter[str] = Counter()
    for s in chosen:
        denials.update(set(s.blocking_checks))  # once per PR, however often it was re-evaluated
    return sorted(denials.items(), key=lambda kv: (-kv[1], kv[0]))


def _waiting(chosen: list[PrStory]) -> list[dict[str, Any]]:
    open_prs = sorted((s for s in chosen if not s.merged), key=lambda s: s.pr)
    return [
        {"pr": s.pr, "title": s.title, "tier": s.tier, "since": s.opened, "waiting_on": _waiting_on(s)}
        for s in open_prs
    ]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(events: list[dict[str, Any]], since: dt.date | None = None) -> Metrics:
    chosen = [s for s in stories(events).values() if s.opened and (since is None or _t(s.opened).date() >= since)]
    merged = [s for s in chosen if s.merged]
    applied = [s for s in merged if s.applied]
    return Metrics(
        since=since.isoformat() if since else None,
        prs=len(chosen),
        merged=len(merged),
        applied=len(applied),
        no_human_share=_share(sum(1 for s in merged if s.no_human), len(merged)),
        lead_to_merge=_lead(merged, "merged"),
        lead_to_apply=_lead(applied, "applied"),
        denials=_denials(chosen),
        cost_added=_cost_added(merged),
        waiting=_waiting(chosen),
        apply_failures=sum(1 for s in merged if s.apply_failed),
        stories=sorted(chosen, key=lambda s: s.pr),
    )
