"""The metrics as text, JSON and a self-contained HTML page with SVG charts."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from jinja2 import Environment, StrictUndefined, select_autoescape

from ssops_ci.model.fmt import duration
from ssops_ci.model.metrics import Lead, Metrics
from ssops_ci.model.slo import Objective, Service
from ssops_ci.ops.charts import PALETTE, against, bars, split


def _figure(o: Objective, value: float | None) -> str:
    if value is None:
        return "–"
    return duration(value / 3600) if o.unit == "s" else f"{value:.0%}"


def _burnt(o: Objective) -> str:
    if o.budget_burnt is None:
        return "none allowed" if o.samples else "–"
    return f"{o.budget_burnt:.0%}"


def service_text(service: Service) -> list[str]:
    source = "policies/objectives.yaml" if service.declared else "the defaults (no policies/objectives.yaml)"
    lines = [f"service levels (targets from {source}):"]
    for o in service.objectives:
        lines.append(f"  {o.status.upper():<8} {o.title}: {o.actual} · target {o.target} · budget burnt {_burnt(o)}")
        for name, group in (("tier", o.by_tier), ("team", o.by_team)):
            if group:
                lines.append(f"           by {name}: " + ", ".join(f"{k} {_figure(o, v)}" for k, v in group.items()))
        lines += [f"           gap: {n}" for n in o.notes[:10]]
    q = service.queue
    ages = ", ".join(f"{k} {v}" for k, v in q.by_age.items() if v) or "none open"
    lines.append(f"open pull requests by age: {ages}")
    lines.append("waiting on: " + (", ".join(f"{k} {v}" for k, v in q.by_waiting_on.items()) or "nobody"))
    return lines


def _lead_items(leads: dict[str, object]) -> list[tuple[str, float]]:
    items = []
    for tier, lead in leads.items():
        if getattr(lead, "count", 0):
            items.append((f"{tier} median ({lead.count})", lead.median_hours or 0.0))  # type: ignore[attr-defined]
            items.append((f"{tier} p90", lead.p90_hours or 0.0))  # type: ignore[attr-defined]
    return items


def html(m: Metrics, source: str, problems: list[str]) -> str:
    env = Environment(undefined=StrictUndefined, autoescape=select_autoescape(default=True))
    template = env.from_string(resources.files("ssops_ci.ops").joinpath("report.html.j2").read_text("utf-8"))

    def tier_colours(leads: dict[str, Lead]) -> dict[str, str]:
        out = {}
        for t, lead in leads.items():
            out[f"{t} median ({lead.count})"] = out[f"{t} p90"] = PALETTE.get(t, "#0969da")
        return out

    merged = [s for s in m.stories if s.merged]
    merged_humans = [
        ("no human", float(sum(1 for s in merged if s.no_human))),
        ("approved by a team", float(sum(1 for s in merged if not s.no_human))),
    ]
    return template.render(
        m=m,
        source=source,
        problems=problems,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        lead_all=duration(m.lead_to_apply["all"].median_hours),
        cost_total=f"${sum(m.cost_added.values()):,.2f}",
        chart_merge=bars(_lead_items(dict(m.lead_to_merge)), unit="h", colours=tier_colours(m.lead_to_merge)),
        chart_apply=bars(_lead_items(dict(m.lead_to_apply)), unit="h", colours=tier_colours(m.lead_to_apply)),
        chart_humans=split(merged_humans),
        chart_denials=bars([(k, float(v)) for k, v in m.denials[:10]], colour="#cf222e"),
        chart_cost=bars(list(m.cost_added.items()), unit="$", colour="#8250df"),
        chart_slo=against(
            [(o.title.split(",")[0], o.value, o.goal, o.unit, o.status) for o in m.service.objectives]
            if m.service
            else []
        ),
        chart_age=bars([(k, float(v)) for k, v in m.service.queue.by_age.items()] if m.service else []),
        chart_waiting_on=bars([(k, float(v)) for k, v in m.service.queue.by_waiting_on.items()] if m.service else []),
        burnt=_burnt,
        figure=_figure,
    )


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks or HTML from records."""
    out = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return out.replace("<", "&lt;").replace(">", "&gt;")


def markdown(m: Metrics, source: str, problems: list[str]) -> str:
    """The report as GitHub-flavoured Markdown, for a job summary."""
    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701 - Markdown, cells escaped
    env.filters["cell"] = _cell
    template = env.from_string(resources.files("ssops_ci.ops").joinpath("report.md.j2").read_text("utf-8"))
    return template.render(
        m=m,
        source=source,
        problems=problems,
        share="n/a" if m.no_human_share is None else f"{m.no_human_share:.0%}",
        icon={"met": "🟢", "at risk": "🟡", "missed": "🔴", "no data": "⚪"},
        burnt=_burnt,
        hours=duration,
    )


def text(m: Metrics, problems: list[str]) -> str:
    lines = [
        f"{m.prs} pull request(s){f' since {m.since}' if m.since else ''}: {m.merged} merged, "
        f"{m.applied} applied, {m.apply_failures} apply failure(s)"
    ]
    lines += [f"warning: {p}" for p in problems]
    share = "n/a" if m.no_human_share is None else f"{m.no_human_share:.0%}"
    lines.append(f"merged with no human involved: {share}")
    for label, leads in (("opened -> merged", m.lead_to_merge), ("opened -> applied", m.lead_to_apply)):
        lines.append(f"lead time {label}:")
        for tier, lead in leads.items():
            if lead.count:
                median, p90 = duration(lead.median_hours), duration(lead.p90_hours)
                lines.append(f"  {tier:<7} n={lead.count:<3} median {median:>8}   p90 {p90:>8}")
    lines.append("denial reasons: " + (", ".join(f"{k} ({v})" for k, v in m.denials[:8]) or "none"))
    lines.append("monthly cost added: " + (", ".join(f"{t} ${v:,.2f}" for t, v in m.cost_added.items()) or "none"))
    lines.append(
        "waiting: " + ("; ".join(f"#{w['pr']} ({w['tier']}) on {w['waiting_on']}" for w in m.waiting) or "nothing")
    )
    if m.service:
        lines += service_text(m.service)
    return "\n".join(lines) + "\n"
