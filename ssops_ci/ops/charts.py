"""Plain inline SVG bar charts: no JavaScript, no network, render anywhere (and in a slide)."""

from __future__ import annotations

import html

from markupsafe import Markup

from ssops_ci.model.fmt import duration, money

PALETTE = {"low": "#1a7f37", "medium": "#9a6700", "high": "#bc4c00", "blocked": "#cf222e", "all": "#0969da"}


def bars(
    items: list[tuple[str, float]],
    *,
    unit: str = "",
    width: int = 560,
    colour: str = "#0969da",
    colours: dict[str, str] | None = None,
    title: str = "",
) -> Markup:
    """Horizontal bars, one per (label, value)."""
    row, label_w, pad = 28, 170, 8
    height = max(1, len(items)) * row + 2 * pad + (20 if title else 0)
    top = pad + (20 if title else 0)
    peak = max((abs(v) for _, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="13">'
    ]
    if title:
        parts.append(
            f'<title>{html.escape(title)}</title><text x="0" y="14" font-weight="600">{html.escape(title)}</text>'
        )
    if not items:
        parts.append(f'<text x="0" y="{top + 16}" fill="#57606a">no data yet</text>')
    span = width - label_w - 90
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(2, int(abs(value) / peak * span))
        fill = (colours or {}).get(label, colour)
        shown = label if len(label) <= 24 else label[:23] + "…"
        tip = f"<title>{html.escape(label)}</title>"
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{html.escape(shown)}{tip}</text>')
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w}" height="{row - 10}" rx="3" fill="{fill}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 17}">{html.escape(_fmt(value, unit))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text node is escaped above


def split(parts_: list[tuple[str, float]], *, width: int = 560, title: str = "") -> Markup:
    """One stacked bar (shares of a whole) with a legend."""
    total = sum(v for _, v in parts_) or 1
    height = 74 + (20 if title else 0)
    top = 20 if title else 0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="13">'
    ]
    if title:
        out.append(
            f'<title>{html.escape(title)}</title><text x="0" y="14" font-weight="600">{html.escape(title)}</text>'
        )
    x = 0.0
    colours = ["#1a7f37", "#9a6700", "#cf222e", "#8250df"]
    for i, (label, value) in enumerate(parts_):
        w = value / total * width
        out.append(f'<rect class="bar" x="{x:.1f}" y="{top + 6}" width="{w:.1f}" height="26" fill="{colours[i % 4]}"/>')
        out.append(f'<rect x="{i * 190}" y="{top + 44}" width="12" height="12" fill="{colours[i % 4]}"/>')
        out.append(
            f'<text x="{i * 190 + 18}" y="{top + 55}">{html.escape(label)}: {value:g} ({value / total:.0%})</text>'
        )
        x += w
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - escaped above


def against(items: list[tuple[str, float | None, float, str, str]], *, width: int = 560, title: str = "") -> Markup:
    """One row per objective: the measured value as a bar (coloured by status) and its target as a line,
    each row on its own scale. Items: (label, value, target, unit "s" or "%", status)."""
    row, label_w, pad = 34, 190, 8
    height = max(1, len(items)) * row + 2 * pad
    colour = {"met": "#1a7f37", "at risk": "#9a6700", "missed": "#cf222e", "no data": "#8c959f"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="13">'
    ]
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    span = width - label_w - 110
    for i, (label, value, target, unit, status) in enumerate(items):
        y = pad + i * row
        scale = max(value or 0.0, target) * 1.25 or 1.0
        w = 0 if value is None else max(2, int(value / scale * span))
        tx = label_w + int(target / scale * span)
        shown = (
            "no data"
            if value is None
            else _fmt(value * 100 if unit == "%" else value / 3600, "%" if unit == "%" else "h")
        )
        parts.append(f'<text x="{label_w - 6}" y="{y + 19}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(
            f'<rect class="slo" data-status="{html.escape(status)}" x="{label_w}" y="{y + 6}" width="{w}" '
            f'height="{row - 14}" rx="3" fill="{colour.get(status, "#0969da")}"/>'
        )
        parts.append(
            f'<line class="target" x1="{tx}" x2="{tx}" y1="{y + 2}" y2="{y + row - 4}" '
            'stroke="#1f2328" stroke-width="2"/>'
        )
        parts.append(f'<text x="{label_w + span + 8}" y="{y + 19}">{html.escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text node is escaped above


def _fmt(value: float, unit: str) -> str:
    if unit == "$":
        return money(value)
    if unit == "h":
        return duration(value)
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:g}{unit}"
