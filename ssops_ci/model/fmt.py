"""How amounts read to people, the same in the PR comment, the CLI, risk reasons and the report."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import tabulate as tabulate_module

CENT = Decimal("0.01")


def money(v: float | None, signed: bool = False) -> str:
    """`$1,234.50`; signed shows the direction of a delta (+, −, or ± for none)."""
    if v is None:
        return "n/a"
    # Half-up on the shortest decimal form, like a bill (and Infracost): 5 GB x $0.115 reads $0.58, not the
    # $0.57 that binary rounding of 0.575 would give.
    cents = Decimal(repr(abs(v))).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = ("+" if v > 0 else "−" if v < 0 else "±") if signed else ("−" if v < 0 else "")
    return f"{sign}${cents:,.2f}"


def duration(hours: float | None) -> str:
    """A lead time in the largest unit that keeps it above one: hours, minutes or seconds."""
    if hours is None:
        return "–"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min" if hours * 60 >= 1 else f"{hours * 3600:.0f} s"


def closest(word: object, choices: Iterable[str]) -> str | None:
    """The choice a slip most likely meant (as terraform and ruff suggest), or None when none is close."""
    pool = list(choices)
    close = difflib.get_close_matches(str(word), pool, n=1, cutoff=0.6)
    if not close:  # a case slip ("queue" for "Queue") is not always "close" by ratio
        close = [c for c in pool if c.lower() == str(word).lower()][:1]
    return close[0] if close else None


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """ " did you mean 'fifo'?", or "" when no choice is close."""
    guess = closest(word, choices)
    return f" did you mean {guess!r}?" if guess else ""


def table(rows: Iterable[Iterable[object]], headers: Iterable[str], align: str, indent: int = 0) -> list[str]:
    """Aligned columns for a terminal (tabulate's plain format), one letter of `align` per column (l or r);
    values are shown as they are, never re-read as numbers."""
    colalign = [{"l": "left", "r": "right"}[a] for a in align]
    # A cell's leading spaces are indentation (a tree of resources and components); tabulate strips them
    # unless told, and only a module setting tells it. Set for this call, then put back.
    kept, tabulate_module.PRESERVE_WHITESPACE = tabulate_module.PRESERVE_WHITESPACE, True
    try:
        text = tabulate_module.tabulate(
            [[str(v) for v in row] for row in rows],
            headers=list(headers),
            tablefmt="plain",
            disable_numparse=True,
            colalign=colalign,
        )
    finally:
        tabulate_module.PRESERVE_WHITESPACE = kept
    return [" " * indent + line.rstrip() for line in text.splitlines()]


def quantity(q: float) -> str:
    """730, 0.5, 1,000,000: a quantity without the trailing zeros of a fixed precision."""
    return f"{q:,.4f}".rstrip("0").rstrip(".")
