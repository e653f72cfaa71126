"""How amounts read to people, the same in the PR comment, the CLI, risk reasons and the report."""

from __future__ import annotations


def money(v: float | None, signed: bool = False) -> str:
    """`$1,234.50`; signed shows the direction of a delta (+, −, or ± for none)."""
    if v is None:
        return "n/a"
    sign = ("+" if v > 0 else "−" if v < 0 else "±") if signed else ("−" if v < 0 else "")
    return f"{sign}${abs(v):,.2f}"


def duration(hours: float | None) -> str:
    """A lead time in the largest unit that keeps it above one: hours, minutes or seconds."""
    if hours is None:
        return "–"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min" if hours * 60 >= 1 else f"{hours * 3600:.0f} s"
