"""Hostile and broken pull requests against a real repository through the CLI: each one gets a clear
message where the problem is, the right verdict from the gate, no internal error and nothing written."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.adversarial.arena import Arena
from tests.adversarial.cases import CASES, Case


def test_the_suite_covers_every_class_with_enough_cases() -> None:
    by_class = Counter(c.cls for c in CASES)
    assert len(CASES) >= 120 and len({c.id for c in CASES}) == len(CASES)
    assert set(by_class) == {"governance", "yaml", "numbers", "dates", "control", "files", "names"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.cls}:{c.id}")
def test_hostile_pull_request(arena: Arena, case: Case) -> None:
    out = arena.attempt(case.writes, case.links, case.remove, case.render)
    for result in (out.validate, out.plan):
        assert result.exit_code in (0, 1), f"exit {result.exit_code}: {result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert case.says in out.said, out.said[-3000:]
    assert out.tier == case.tier, (out.tier, out.said[-2000:])
    assert out.left_behind == "", f"the commands wrote into the checkout: {out.left_behind}"
