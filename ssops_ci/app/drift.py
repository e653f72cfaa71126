"""`ssops-ci drift`: plan every applied stack and report any that no longer match.

With the terraform engine this is real drift (someone changed the cloud, or an
apply never finished). With the static engine it compares what the store recorded
as applied with what the default branch renders, which finds merges never applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssops_ci.app.revision import Revision, load_revision, request_files
from ssops_ci.config.platform import Platform
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.drift import DriftReport, StackDrift
from ssops_ci.model.problems import InputError, PlanError, SsopsError
from ssops_ci.model.request import Request
from ssops_ci.model.stack import ResourceType, Stack, StackJob
from ssops_ci.ports import Engine, Repository, Store
from ssops_ci.stages import ledger, validate
from ssops_ci.stages.diff import managed_attrs, resource_change


def _differences(was: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> list[ResourceChange]:
    """Resources whose recorded (applied) attributes differ from the current rendering."""
    return [
        resource_change(address, address.split(".")[0], was.get(address), now.get(address), ResourceType())
        for address in sorted(set(was) | set(now))
        if was.get(address) != now.get(address)
    ]


def _in_the_cloud(out: DriftReport, engine: Engine, req: Request, stack: Stack, types: dict[str, ResourceType]) -> None:
    out.checked += 1
    try:
        changes = [
            c
            for c in engine.plan(StackJob(id=req.stack_id, before=None, after=stack, resource_types=types))
            if c.action != "no-op"
        ]
    except PlanError as e:
        out.errors.append(f"{req.stack_id}: {e}")
        return
    if changes:
        out.drifted.append(StackDrift(stack=req.stack_id, changes=changes))


def _in_the_store(out: DriftReport, record: dict[str, Any] | None, req: Request, stack: Stack) -> None:
    if record is None:
        return  # never applied: nothing to drift from
    out.checked += 1
    now = {address: attrs for address, (_, attrs) in managed_attrs(stack).items()}
    changes = _differences(record.get("resources", {}), now)
    if changes:
        note = f"applied at {str(record.get('sha'))[:12]}, the default branch has moved on"
        out.drifted.append(StackDrift(stack=req.stack_id, changes=changes, note=note))


def _rendered(head: Revision, out: DriftReport) -> tuple[set[str], list[tuple[Request, Stack]]]:
    """The stacks of every valid request on the branch, rendered; what is invalid goes to `out.errors`."""
    assert head.setup is not None
    valid = validate.validate_all(request_files(head.tree), head.setup.catalog, head.setup.teams)
    out.errors += [str(p) for p in valid.problems]
    stacks = []
    for req in valid.requests:
        try:
            stacks.append((req, head.renderer.render(req)))
        except InputError as e:
            out.errors.append(f"{req.stack_id}: {e}")
    return {req.stack_id for req in valid.requests}, stacks


def check(
    repository: Repository, ref: str, *, engines: Callable[[Platform | None], Engine], store: Store
) -> DriftReport:
    sha = repository.resolve(ref)
    head = load_revision(repository.tree(sha))
    if head.setup is None:
        raise SsopsError(f"the catalog or policies at {sha[:12]} are invalid:\n{head.error}")
    engine = engines(head.setup.platform)
    out = DriftReport(sha=sha, engine=engine.name)
    real = engine.name == "terraform"  # the static engine's "cloud" is what the store recorded as applied
    applied = {} if real else store.all(ledger.STATIC)
    current, rendered = _rendered(head, out)
    for req, stack in rendered:
        if real:
            kind = head.setup.catalog.get(req.kind)
            _in_the_cloud(out, engine, req, stack, kind.spec.resources if kind else {})
        else:
            _in_the_store(out, applied.get(req.stack_id), req, stack)
    for gone in sorted(set(applied) - current):
        out.drifted.append(StackDrift(stack=gone, note="still applied, but its request is gone (destroy never ran)"))
    return out
