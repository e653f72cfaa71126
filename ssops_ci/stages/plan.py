"""Between detection and the engine: one touched stack's report skeleton and its engine job."""

from __future__ import annotations

from collections.abc import Iterable

from ssops_ci.config.catalog import Catalog
from ssops_ci.model.change import ResourceChange, primary_reason
from ssops_ci.model.plan import Prepared, Side, Touched
from ssops_ci.model.report import StackReport
from ssops_ci.model.stack import ResourceType, StackJob


def _reasons(t: Touched, head_path: str | None, before: Side, drift: list[str]) -> list[str]:
    reasons = set(t.reasons)
    if head_path is None and (before.request or t.base_path):
        reasons.add("request-deleted")
    if drift or not reasons:
        reasons.add("drift")
    return sorted(reasons)


def stack_report(t: Touched, head_path: str | None, before: Side, after: Side, drift: list[str]) -> StackReport:
    req = after.request or before.request
    reasons = _reasons(t, head_path, before, drift)
    return StackReport(
        id=t.id,
        request=head_path or (before.request.path if before.request else None) or t.base_path or t.id,
        kind=req.kind if req else "unknown",
        team=req.team if req else t.id.partition("/")[0],
        environment=req.environment if req else "unknown",
        reason=primary_reason(set(reasons)),
        reasons=reasons,
        renamed_from=t.renamed_from,
        drift=drift,
        template_version={
            "before": before.stack.template_version if before.stack else None,
            "after": after.stack.template_version if after.stack else None,
        },
    )


def _resource_types(catalogs: Iterable[Catalog], kinds: set[str]) -> dict[str, ResourceType]:
    """What the catalogs declare of the stack's resource types (later catalogs win: head over base)."""
    out: dict[str, ResourceType] = {}
    for c in catalogs:
        out.update(c.resource_types(kinds))
    return out


def prepare(
    t: Touched, head_path: str | None, before: Side, after: Side, drift: list[str], catalogs: list[Catalog]
) -> Prepared:
    report = stack_report(t, head_path, before, after, drift)
    if after.error:
        return Prepared(
            report=report.failed(f"{after.error}\nfix: correct {head_path}"),
            job=None,
            before=before,
            after=after,
        )
    if before.error and not after.stack:
        message = f"cannot render this stack at the base revision:\n{before.error}"
        return Prepared(report=report.failed(message), job=None, before=before, after=after)
    if before.stack is None and after.stack is None:
        return Prepared(report=report, job=None, before=before, after=after)  # rendered/ files with no request
    kinds = {s.kind for s in (before.stack, after.stack) if s}
    job = StackJob(id=t.id, before=before.stack, after=after.stack, resource_types=_resource_types(catalogs, kinds))
    return Prepared(report=report, job=job, before=before, after=after)


def located(changes: list[ResourceChange], job: StackJob) -> list[ResourceChange]:
    """Each change with the file and line under rendered/ where its resource is declared."""
    where = {r.address: (r.file, r.line) for s in (job.before, job.after) if s for r in s.resources}
    return [
        c.model_copy(update=dict(zip(("file", "line"), where.get(c.address, (None, None)), strict=True)))
        for c in changes
    ]
