"""The self-service report: what the audit trail says self-service achieved."""

from __future__ import annotations

import datetime as dt

from ssops_ci.model.metrics import Metrics
from ssops_ci.ports import AuditTrail
from ssops_ci.stages import metrics


def report(audit: AuditTrail, since: dt.date | None = None) -> tuple[Metrics, list[str]]:
    """The figures, and the lines of the trail that could not be read."""
    read = audit.read()
    return metrics.compute(read.events, since), [str(p) for p in read.problems]
