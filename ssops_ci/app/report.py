"""The self-service report: what the audit trail says self-service achieved, against its objectives."""

from __future__ import annotations

import datetime as dt

from ssops_ci.config.objectives import Objectives
from ssops_ci.model.metrics import Metrics
from ssops_ci.ports import AuditTrail, Clock
from ssops_ci.stages import metrics, slo


def report(
    audit: AuditTrail, since: dt.date | None = None, goals: Objectives | None = None, clock: Clock | None = None
) -> tuple[Metrics, list[str]]:
    """The figures (with the service levels when `goals` are given), and the lines that could not be read."""
    read = audit.read()
    figures = metrics.compute(read.events, since)
    if goals is not None and clock is not None:
        now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
        figures = figures.model_copy(update={"service": slo.service(read.events, goals, now, since)})
    return figures, [str(p) for p in read.problems]
