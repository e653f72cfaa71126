"""The system clock behind the `Clock` port."""

from __future__ import annotations

import datetime as dt
import time


class SystemClock:
    def today(self) -> dt.date:
        return dt.date.today()

    def now(self) -> float:
        return time.time()


class FixedClock:
    """A clock stopped at one day (for evaluating as of a date: tests, benchmarks, replays)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def today(self) -> dt.date:
        return self.day

    def now(self) -> float:
        return time.time()
