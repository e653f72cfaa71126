"""Plan a revision range: affected stacks -> rendered before/after -> engine -> Report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import git

from ssops_ci.adapters.git import GitTree, resolve
from ssops_ci.adapters.static_engine import StaticEngine
from ssops_ci.adapters.terraform import TerraformEngine
from ssops_ci.config import setup as gate
from ssops_ci.config.catalog import ResourceType, kind_of_template_path
from ssops_ci.config.platform import Platform
from ssops_ci.model.change import ResourceChange, primary_reason
from ssops_ci.model.problems import InputError, SsopsError
from ssops_ci.model.report import Report, StackReport
from ssops_ci.ports import PlanEngine, PlanError, StackJob
from ssops_ci.stages import affected as affected_mod
from ssops_ci.stages import rendered as stackfiles
from ssops_ci.stages import validate as requests
from ssops_ci.stages.affected import Affected, Touched
from ssops_ci.stages.render import Renderer, Stack
from ssops_ci.stages.validate import Request

Progress = Callable[[int, int], None]


@dataclass
class Revision:
    """One side of the comparison: its tree and what it takes to render there."""

    tree: GitTree
    gate: gate.Gate | None
    error: str | None = None
    # Overrides the revision's own platform.yaml list; see affected_stacks.
    allowed_providers: list[str] | None = None

    @cached_property
    def renderer(self) -> Renderer:
        assert self.gate is not None
        platform = self.gate.platform
        if self.allowed_providers is not None:
            platform = platform.model_copy(update={"allowed_providers": self.allowed_providers})
        return Renderer(self.gate.catalog, platform)


def load_revision(tree: GitTree) -> Revision:
    try:
        return Revision(tree, gate.load(tree))
    except InputError as e:
        return Revision(tree, None, str(e))


def _first_existing(tree: GitTree, candidates: list[str | None]) -> str | None:
    for c in candidates:
        if c and tree.read(c) is not None:
            return c
    return None


def _candidates(t: Touched) -> list[str | None]:
    return [t.base_path, t.head_path, *(f"requests/{t.id}{s}" for s in requests.SUFFIXES)]


@dataclass
class Side:
    request: Request | None = None
    stack: Stack | None = None
    error: str | None = None


def _side(rev: Revision, path: str | None, label: str) -> Side:
    if path is None:
        return Side()
    if rev.gate is None:
        return Side(error=f"the {label} revision's catalog or policies are invalid:\n{rev.error}")
    data = rev.tree.read(path)
    assert data is not None
    try:
        req = requests.parse(path, data, rev.gate.catalog, rev.gate.teams)
        return Side(req, rev.renderer.render(req))
    except InputError as e:
        return Side(error=str(e))


def _resource_types(*revs: Revision, kinds: set[str]) -> dict[str, ResourceType]:
    out: dict[str, ResourceType] = {}
    for rev in revs:
        if rev.gate is None:
            continue
        for k in kinds:
            kind = rev.gate.catalog.get(k)
            if kind:
                out.update(kind.spec.resources)
    return out


def _guess(stack_id: str) -> tuple[str, str]:
    team, _, name = stack_id.partition("/")
    return team, name


@dataclass
class Prepared:
    """A stack ready for the engine: everything that needs git and rendering is done."""

    report: StackReport
    job: StackJob | None
    before: Side = field(default_factory=lambda: Side())
    after: Side = field(default_factory=lambda: Side())


def prepare(t: Touched, base: Revision, head: Revision) -> Prepared:
    own = [f"requests/{t.id}{s}" for s in requests.SUFFIXES]
    head_path = _first_existing(head.tree, [t.head_path, *own]) if t.head_path or not t.reasons else None
    after = _side(head, head_path, "head")
    before = _side(base, _first_existing(base.tree, _candidates(t)), "base")
    req = after.request or before.request
    team, _ = _guess(t.id)
    reasons = set(t.reasons)
    if head_path is None and (before.request or t.base_path):
        reasons.add("request-deleted")
    drift = _drift(head.tree, t.id, after.stack) if not after.error else []
    if drift or not reasons:
        reasons.add("drift")
    report = StackReport(
        id=t.id,
        request=head_path or (before.request.path if before.request else None) or t.base_path or t.id,
        kind=req.kind if req else "unknown",
        team=req.team if req else team,
        environment=req.environment if req else "unknown",
        reason=primary_reason(reasons),
        reasons=sorted(reasons),
        renamed_from=t.renamed_from,
        drift=drift,
        template_version={
            "before": before.stack.template_version if before.stack else None,
            "after": after.stack.template_version if after.stack else None,
        },
    )
    if after.error:
        return Prepared(_failed(report, f"{after.error}\nfix: correct {head_path} and push again"), None, before, after)
    if before.error and not after.stack:
        message = f"cannot render this stack at the base revision:\n{before.error}"
        return Prepared(_failed(report, message), None, before, after)
    if before.stack is None and after.stack is None:
        return Prepared(report, None, before, after)  # rendered/ files with no request anywhere: drift only
    kinds = {s.kind for s in (before.stack, after.stack) if s}
    job = StackJob(t.id, before.stack, after.stack, _resource_types(base, head, kinds=kinds))
    return Prepared(report, job, before, after)


def execute(p: Prepared, engine: PlanEngine) -> StackReport:
    if p.job is None:
        return p.report
    try:
        changes = engine.plan(p.job)
    except PlanError as e:
        return _failed(p.report, str(e))
    return p.report.model_copy(update={"changes": _located(changes, p.job)})


def _located(changes: list[ResourceChange], job: StackJob) -> list[ResourceChange]:
    where = {r.address: (r.file, r.line) for s in (job.before, job.after) if s for r in s.resources}
    return [
        c.model_copy(update=dict(zip(("file", "line"), where.get(c.address, (None, None)), strict=True)))
        for c in changes
    ]


def _failed(report: StackReport, message: str) -> StackReport:
    return report.model_copy(update={"status": "error", "error": f"{report.id}: {message}", "changes": []})


def _drift(tree: GitTree, stack_id: str, after: Stack | None) -> list[str]:
    """Files under rendered/<stack>/ at head that are not exactly what rendering gives."""
    return [str(m) for m in stackfiles.compare(tree, [after] if after else [], only={stack_id})]


def reach(repo: git.Repo, found: Affected, base: Revision, head: Revision) -> None:
    """Add the stacks a platform change reaches without their request changing."""
    kinds: set[str] = set()
    for path in found.template_paths:
        for rev in (base, head):
            if rev.gate:
                kinds |= set(kind_of_template_path(rev.gate.catalog, path))
    paths = affected_mod.requests_matching(repo, found.head, "kind", kinds)
    if base.gate and head.gate and "policies/platform.yaml" in found.governance_paths:
        paths += _platform_reach(repo, found.head, base.gate.platform, head.gate.platform)
    for path in sorted(set(paths)):
        t = found.get(affected_mod.request_id(path))
        t.reasons.add("template-changed")
        t.head_path = t.head_path or path


def _platform_reach(repo: git.Repo, head: str, old: Platform, new: Platform) -> list[str]:
    """Requests whose rendering a platform.yaml change can alter (by environment, or all of them)."""
    if (old.name_prefix, old.allowed_providers) != (new.name_prefix, new.allowed_providers):
        return requests.request_paths(GitTree(repo, resolve(repo, head)))
    envs = {e for e in new.environments if old.environments.get(e) != new.environments.get(e)}
    return affected_mod.requests_matching(repo, head, "  environment", envs)


def make_engine(name: str | None, platform: Platform | None, repo_root: Path) -> PlanEngine:
    wanted = name or (platform.engine if platform else "static")
    if wanted == "static":
        return StaticEngine()
    settings = platform.terraform if platform else None
    if settings is None:
        raise SsopsError("the terraform engine needs policies/platform.yaml at the base revision")
    try:
        return TerraformEngine(settings, repo_root)
    except PlanError as e:
        if name == "terraform":
            raise SsopsError(str(e)) from None
        print(f"warning: {e}; planning with the static engine instead", file=sys.stderr)
        return StaticEngine()


def affected_stacks(repo: git.Repo, base_ref: str, head_ref: str) -> tuple[Affected, Revision, Revision]:
    base_c, head_c = resolve(repo, base_ref), resolve(repo, head_ref)
    found = affected_mod.detect(repo, base_c, head_c)
    base = load_revision(GitTree(repo, base_c))
    head = load_revision(GitTree(repo, head_c))
    if base.gate:
        # The head's templates render to show the change, but which providers a stack may pull in is the
        # base's call: a PR must not be able to allow itself a provider binary and have CI run it.
        head.allowed_providers = base.gate.platform.allowed_providers
    reach(repo, found, base, head)
    return found, base, head


@dataclass
class Planned:
    """The plan stage's output: the report, plus what later stages read from the same run."""

    report: Report
    stacks: dict[str, Prepared]
    base: Revision
    head: Revision
    repo: git.Repo


def run(repo: git.Repo, base_ref: str, head_ref: str, **options: Any) -> Report:
    """Just the report of `plan` (what `ssops-ci plan` shows before the later stages)."""
    return plan(repo, base_ref, head_ref, **options).report


def plan(
    repo: git.Repo,
    base_ref: str,
    head_ref: str,
    *,
    engine: str | None = None,
    only: list[str] | None = None,
    progress: Progress | None = None,
) -> Planned:
    found, base, head = affected_stacks(repo, base_ref, head_ref)
    targets = sorted(found.touched.values(), key=lambda t: t.id)
    if only is not None:
        unknown = sorted(set(only) - {t.id for t in targets})
        if unknown:
            raise SsopsError(
                f"stack(s) {', '.join(unknown)} are not affected by {base_ref}..{head_ref}; "
                "`ssops-ci plan --matrix` lists the affected ones"
            )
        targets = [t for t in targets if t.id in set(only)]
    eng = make_engine(engine, base.gate.platform if base.gate else None, Path(repo.working_dir))
    # Git and rendering stay on this thread (GitPython's object reader is not thread-safe);
    # only the engine, which for terraform is a subprocess per stack, fans out.
    prepared = [prepare(t, base, head) for t in targets]
    done = 0

    def one(p: Prepared) -> StackReport:
        nonlocal done
        result = execute(p, eng)
        done += 1
        if progress:
            progress(done, len(prepared))
        return result

    if isinstance(eng, TerraformEngine) and len(prepared) > 1 and base.gate:
        with ThreadPoolExecutor(max_workers=base.gate.platform.apply_parallelism) as pool:
            stacks = list(pool.map(one, prepared))
    else:
        stacks = [one(p) for p in prepared]
    report = Report(
        base=found.base,
        head=found.head,
        merge_base=found.merge_base,
        engine=eng.name,
        governance_paths=found.governance_paths,
        stacks=stacks,
    )
    return Planned(report, {p.report.id: p for p in prepared}, base, head, repo)


def matrix(found: Affected, group_size: int = 25, max_groups: int = 256) -> dict[str, object]:
    """GitHub Actions matrix: stack groups, at most 256 jobs however big the change."""
    ids = sorted(found.touched)
    if not ids:
        return {"include": []}
    size = max(group_size, -(-len(ids) // max_groups))
    groups = [ids[i : i + size] for i in range(0, len(ids), size)]
    return {"include": [{"group": f"{n + 1}/{len(groups)}", "stacks": " ".join(g)} for n, g in enumerate(groups)]}
