"""Are the other checks a merge needs green? Read the way GitHub enforces them: a required check names
its source app (or any source), commit statuses count only for checks from any source, and a check run
passes when it completed as success, neutral or skipped."""

from __future__ import annotations

from ssops_ci.model.forge import CheckState, RequiredCheck


def _satisfies(state: CheckState, required: RequiredCheck) -> bool:
    if state.context != required.context or not (state.done and state.passed):
        return False
    if required.app_id is None:
        return True
    return state.source == "check-run" and state.app_id == required.app_id


def waiting_for(required: list[RequiredCheck], states: list[CheckState], ours: str) -> list[str]:
    """The required checks (other than ssops-ci's own gate) that are not yet satisfied, by name."""
    pending = [r for r in required if r.context != ours and not any(_satisfies(s, r) for s in states)]
    return sorted({r.context for r in pending})
