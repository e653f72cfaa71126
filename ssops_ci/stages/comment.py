"""The pull-request comment: one sticky Markdown comment, rendered from comment.md.j2.

Every value that comes from a request or a plan is escaped by construction (the
environment's finalize hook), so a description cannot ping people, break the
table, hide text or forge the sticky marker.
"""

from __future__ import annotations

import ast
import html
import json
import re
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from ssops_ci import __version__
from ssops_ci.model.apply import ApplyRun
from ssops_ci.model.fmt import money
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.risk import TIERS, rank
from ssops_ci.model.text import visible
from ssops_ci.stages.decision import next_step, platform_only
from ssops_ci.stages.redact import redact

MARKER = "<!-- ssops-ci:comment -->"
APPLY_MARKER = "<!-- ssops-ci:apply -->"
LIMIT = 65_536  # GitHub rejects longer comment bodies
BUDGET = 64_000  # what we aim for, leaving room for the platform's own additions
LEVELS = ("full", "compact", "minimal")
EMOJI = {"low": "🟢", "medium": "🟡", "high": "🟠", "blocked": "🔴"}
SYMBOL = {  # trusted constants, not escaped
    a: Markup(sym)  # noqa: S704
    for a, sym in {"create": "+", "update": "~", "replace": "±", "delete": "−", "no-op": " "}.items()
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(value: Any) -> str:
    """Untrusted text as inert Markdown: HTML-escaped, Markdown punctuation escaped, no @mentions."""
    if isinstance(value, Markup):
        return str(value)
    text = html.escape(visible(redact(str(value))), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("@", "@\u200b").replace("\n", "<br>")
    return text


# The static plan keeps `jsonencode({...})` as the parser wrote it (Python-literal quoting); a reviewer
# should read the JSON document Terraform will send.
_JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.DOTALL)
_MAX_DOCUMENT = 100_000


def _document(text: str) -> str:
    m = _JSONENCODE.match(text)
    if m is None or len(text) > _MAX_DOCUMENT:
        return text
    try:
        return json.dumps(ast.literal_eval(m.group(1)), ensure_ascii=False)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return text  # it refers to other resources (known after apply): shown as written


def _text(value: Any) -> str:
    return _document(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def code(value: Any, limit: int = 120) -> Markup:
    """A value shown as inline code (HTML <code>, which unlike backticks survives any content)."""
    text = visible(redact(_text(value)))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # Markdown still parses inline HTML's content, so Markdown punctuation is escaped here too.
    body = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=True)).replace("@", "@\u200b").replace("\n", "⏎")
    return Markup(f"<code>{body}</code>")  # noqa: S704 - body is escaped just above


def pre(text: str) -> Markup:
    """Tool output verbatim: an HTML <pre> block, which Markdown leaves alone, escaped for HTML only."""
    return Markup(f"<pre>{html.escape(visible(redact(text)), quote=False)}</pre>")  # noqa: S704 - escaped


def diff_pair(before: Any, after: Any, limit: int = 120) -> tuple[Markup | str, Markup | str]:
    """Before and after as code, cut around where they first differ so long values stay readable."""
    if before is None or after is None:
        return (code(before, limit) if before is not None else "", code(after, limit) if after is not None else "")
    b, a = _text(before), _text(after)
    if len(b) <= limit and len(a) <= limit:
        return code(b, limit), code(a, limit)
    first = next((i for i, (x, y) in enumerate(zip(b, a, strict=False)) if x != y), min(len(b), len(a)))
    start = max(0, first - limit // 3)
    prefix = "…" if start else ""
    return code(prefix + b[start : start + limit], limit + 2), code(prefix + a[start : start + limit], limit + 2)


def unit_price(v: float | None) -> str:
    if v is None:
        return "—"
    whole, _, frac = f"{v:.10f}".rstrip("0").partition(".")
    return f"${int(whole):,}.{frac.ljust(2, '0')}"


def mermaid_label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-\[\] /:+~±−]", "_", text)


def _next_step(r: Report, approved_by: list[str]) -> Markup:
    """The decision's next step as the comment says it: what people wrote escaped, team mentions live."""
    assert r.risk is not None and r.decision is not None
    d = r.decision
    text = next_step(
        r.risk.tier,
        reviewers=d.required_reviewers,
        blocked_by=d.blocked_by,
        approved_by=approved_by,
        text=escape,
        draft=d.draft,
        refused=d.merge_refused,
        waiting_for=d.waiting_for,
        platform_fault=platform_only(r, d.blocked_by) if r.risk.tier == "blocked" else None,
    )
    return Markup(text)  # noqa: S704 - every part people wrote went through escape()


def _environment() -> Environment:
    env = Environment(
        undefined=StrictUndefined,
        finalize=escape,
        autoescape=False,  # noqa: S701 - Markdown, not HTML: escaping is done by `finalize` on every value
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        code=code,
        diff_pair=diff_pair,
        pre=pre,
        money=money,
        unit_price=unit_price,
        emoji=EMOJI,
        symbol=SYMBOL,
        mermaid_label=mermaid_label,
        raw=Markup,  # for markup the template itself builds from trusted parts
    )
    return env


_ENV = _environment()


def _template_source() -> str:
    return resources.files("ssops_ci.stages").joinpath("comment.md.j2").read_text(encoding="utf-8")


_TEMPLATE = _ENV.from_string(_template_source())


def _order(s: StackReport) -> tuple[int, str]:
    return (-rank(s.risk.tier) if s.risk else 0, s.id)


def render(
    report: Report, *, report_url: str | None = None, limit: int = BUDGET, approved_by: list[str] | None = None
) -> str:
    """The comment body; details collapse, then shrink, then drop until it fits under `limit`."""
    stacks = sorted(report.stacks, key=_order)
    context: dict[str, Any] = {
        "r": report,
        "stacks": stacks,
        "marker": Markup(MARKER),  # noqa: S704 - a constant
        "version": __version__,
        "report_url": report_url,
        "tiers": TIERS,
        "approved_by": approved_by or [],
        "next_step": _next_step(report, approved_by or []) if report.risk and report.decision else "",
    }
    body = ""
    for level in LEVELS:
        body = _TEMPLATE.render(**context, level=level, shown=stacks, omitted=[])
        if len(body) <= limit:
            return redact(body)
    # Still too long at the smallest level: drop whole stack sections, least risky first.
    lo, hi = 0, len(stacks)
    while lo < hi:  # the most sections that fit
        mid = (lo + hi + 1) // 2
        body = _TEMPLATE.render(**context, level="minimal", shown=stacks[:mid], omitted=stacks[mid:])
        lo, hi = (mid, hi) if len(body) <= limit else (lo, mid - 1)
    body = _TEMPLATE.render(**context, level="minimal", shown=stacks[:lo], omitted=stacks[lo:])
    if len(body) > limit:
        body = _TEMPLATE.render(**context, level="table-only", shown=[], omitted=stacks)
    return redact(body)


_APPLY = _ENV.from_string(resources.files("ssops_ci.stages").joinpath("apply.md.j2").read_text(encoding="utf-8"))


def apply_comment(result: ApplyRun) -> str:
    """The apply result on the merged pull request (its own sticky comment)."""
    return redact(_APPLY.render(run=result, marker=Markup(APPLY_MARKER), version=__version__))  # noqa: S704
