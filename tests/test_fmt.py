"""Amounts and durations as people read them."""

from __future__ import annotations

import pytest

from ssops_ci.model import fmt


@pytest.mark.parametrize(
    ("value", "signed", "shown"),
    [
        (0.575, False, "$0.58"),  # half-up on the decimal value, as on a bill
        (0.565, False, "$0.57"),
        (1234.5, False, "$1,234.50"),
        (-12.3, False, "−$12.30"),
        (71.42, True, "+$71.42"),
        (-0.005, True, "−$0.01"),
        (0.0, True, "±$0.00"),
        (None, True, "n/a"),
    ],
)
def test_money(value: float | None, signed: bool, shown: str) -> None:
    assert fmt.money(value, signed=signed) == shown


@pytest.mark.parametrize(
    ("hours", "shown"), [(None, "–"), (2 / 3600, "2 s"), (0.5, "30 min"), (26.25, "26.2 h"), (1.0, "1.0 h")]
)
def test_duration(hours: float | None, shown: str) -> None:
    assert fmt.duration(hours) == shown
