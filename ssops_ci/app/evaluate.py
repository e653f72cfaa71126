"""The evaluation of a change, in order: Request -> Stack -> Changes -> Findings -> Cost -> Risk -> Decision.

Each step is a stage (ssops_ci.stages) that takes values and returns a new one; this module
only reads what the stages need through the ports and hands their output to the next.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ssops_ci.app import rules_preview
from ssops_ci.app.policy_check import policies_of
from ssops_ci.app.revision import Revision, team_files
from ssops_ci.app.scope import Scope, prepare, scope
from ssops_ci.app.team_totals import team_monthly
from ssops_ci.config import policies as policies_config
from ssops_ci.config import pricing as pricing_config
from ssops_ci.config.catalog import Catalog
from ssops_ci.config.platform import Platform
from ssops_ci.config.policies import Policies
from ssops_ci.config.pricing import PricingError
from ssops_ci.config.teams import Teams
from ssops_ci.model.layout import POLICIES, TEMPLATES
from ssops_ci.model.plan import Prepared
from ssops_ci.model.problems import InputError, PlanError, PlatformFault, Problem, SsopsError
from ssops_ci.model.report import Report, StackReport
from ssops_ci.model.request import Request
from ssops_ci.model.risk import Author
from ssops_ci.ports import Cache, Clock, Engine, Repository, Scanner
from ssops_ci.stages import budgets, cost, decision, findings, limits, risk, schema, validate
from ssops_ci.stages.findings import Evidence
from ssops_ci.stages.plan import located

Progress = Callable[[int, int], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """The ports an evaluation runs through (commands and the demo build them)."""

    repository: Repository
    engines: Callable[[Platform | None], Engine]  # the planning engine, given the base's platform settings
    scanner: Callable[[Policies, Catalog], Scanner]
    clock: Clock
    cache: Cache | None = None  # per-request summaries for team totals; None: compute everything
    schemas: schema.Schemas | None = None  # provider schemas the renderings are checked against; None: not
    limits: list[limits.Limit] = field(default_factory=list)  # AWS value limits the renderings are checked against


@dataclass(frozen=True)
class Planned:
    """The plan step's output: the report so far, and each stack's two sides for the later steps."""

    report: Report
    prepared: dict[str, Prepared]
    scope: Scope


@dataclass(frozen=True)
class Evaluation:
    report: Report
    teams: Teams | None  # the base's teams, who may approve; None when the base is invalid


def _targets(s: Scope, only: list[str] | None, label: str) -> list[str]:
    targets = sorted(s.affected.touched)
    if only is None:
        return targets
    unknown = sorted(set(only) - set(targets))
    if unknown:
        raise SsopsError(
            f"stack(s) {', '.join(unknown)} are not affected by {label}; "
            "`ssops-ci plan --matrix` lists the affected ones"
        )
    return [t for t in targets if t in set(only)]


def _planned(p: Prepared, engine: Engine) -> StackReport:
    if p.job is None:
        return p.report
    try:
        changes = engine.plan(p.job)
    except PlatformFault as e:
        return p.report.failed(str(e), platform_fault=e.setting)
    except PlanError as e:
        return p.report.failed(str(e))
    return p.report.model_copy(update={"changes": located(changes, p.job)})


def _plan_all(prepared: list[Prepared], engine: Engine, workers: int, progress: Progress | None) -> list[StackReport]:
    done = 0

    def one(p: Prepared) -> StackReport:
        nonlocal done
        result = _planned(p, engine)
        done += 1
        if progress:
            progress(done, len(prepared))
        return result

    # Git and rendering stay on this thread (GitPython's object reader is not thread-safe);
    # only the engine, which for terraform is a process per stack, fans out.
    if engine.concurrent and len(prepared) > 1 and workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, prepared))
    return [one(p) for p in prepared]


def plan(
    services: Services, base_ref: str, head_ref: str, *, only: list[str] | None = None, progress: Progress | None = None
) -> Planned:
    """Affected stacks, both sides rendered, and what the engine says will change."""
    started = services.clock.now()
    s = scope(services.repository, base_ref, head_ref)
    log.info(
        "scope %s..%s: %d stack(s) touched, governance paths: %s",
        s.affected.base[:12],
        s.affected.head[:12],
        len(s.affected.touched),
        ", ".join(s.affected.governance_paths) or "none",
    )
    platform = s.base.setup.platform if s.base.setup else None
    engine = services.engines(platform)
    prepared = [prepare(s.affected.touched[t], s) for t in _targets(s, only, f"{base_ref}..{head_ref}")]
    workers = platform.apply_parallelism if platform else 1
    found = s.affected
    report = Report(
        base=found.base,
        head=found.head,
        merge_base=found.merge_base,
        engine=engine.name,
        governance_paths=found.governance_paths,
        stacks=_plan_all(prepared, engine, workers, progress),
    )
    log.info(
        "planned %d stack(s) with the %s engine in %.2f s", len(prepared), engine.name, services.clock.now() - started
    )
    return Planned(report, {p.report.id: p for p in prepared}, s)


def load_policies(base: Revision) -> Policies | list[Problem]:
    """The base's policies, or why there are none (then the gate fails closed)."""
    if base.setup is None:
        return [Problem("policies/", 1, 1, f"the base revision's catalog or policies are invalid:\n{base.error}")]
    try:
        return policies_config.load(base.tree, base.setup.catalog)
    except InputError as e:
        return e.problems


def _evidence(planned: Planned) -> dict[str, Evidence]:
    """For each stack: its head request as the base catalog reads it, and its team's requests (quotas)."""
    base, head = planned.scope.base, planned.scope.head
    assert base.setup is not None
    teams: dict[str, list[Request]] = {}
    out = {}
    for sid, p in planned.prepared.items():
        req = p.after.request
        if req is None:
            out[sid] = Evidence()
            continue
        try:
            ok = validate.parse(req.path, head.tree.read(req.path) or b"", base.setup.catalog, base.setup.teams)
        except InputError as e:
            out[sid] = Evidence(invalid=e.problems, head_request=req)
            continue
        if ok.team not in teams:
            files = team_files(planned.scope.merged, ok.team)
            teams[ok.team] = validate.validate_all(files, base.setup.catalog, base.setup.teams).requests
        out[sid] = Evidence(base_request=ok, head_request=req, team_requests=teams[ok.team])
    return out


def judge(planned: Planned, services: Services, policies: Policies) -> Report:
    base = planned.scope.base
    assert base.setup is not None
    stacks = [p.after.stack for p in planned.prepared.values() if p.after.stack is not None]
    started = services.clock.now()
    scan = services.scanner(policies, base.setup.catalog).scan(stacks)
    log.info(
        "checked %d stack(s) in %.2f s: %d check(s) passed", len(stacks), services.clock.now() - started, scan.passed
    )
    # the head's templates wrote these stacks: their lines are the ones to fix
    catalog = planned.scope.head.setup.catalog if planned.scope.head.setup else base.setup.catalog
    for stack in stacks:
        found = schema.findings(stack, services.schemas, catalog) if services.schemas is not None else []
        found += limits.findings(stack, services.limits, catalog, services.clock.today())
        if found:
            scan.findings.setdefault(stack.id, []).extend(found)
    return findings.judge(planned.report, _evidence(planned), policies, scan, services.clock.today())


def base_pricing(base: Revision, today: dt.date | None) -> cost.Pricing | str:
    """The base's prices as the cost stage reads them, or why they cannot be read."""
    try:
        prices = pricing_config.load(base.tree)
    except InputError as e:
        return "; ".join(str(p) for p in e.problems)
    setup = base.setup
    return cost.Pricing(prices, setup.catalog if setup else None, setup.platform if setup else None, today)


def price(
    report: Report,
    planned: Planned,
    policies: Policies | None,
    pricing: cost.Pricing | str,
    cache: Cache | None = None,
) -> Report:
    base, head = planned.scope.base, planned.scope.head
    if isinstance(pricing, str):
        return cost.unpriceable(report, pricing)
    setup = base.setup
    report = cost.price(report, planned.prepared, pricing)
    if policies is None or setup is None:
        return report
    totals: budgets.Totals = {}
    for team in budgets.teams_to_total(report):
        try:
            totals[team] = team_monthly(head, base, planned.scope.merged, team, pricing, cache)
        except PricingError as e:
            totals[team] = e
    return budgets.budgets(report, totals, setup.teams, policies.guardrails)


def _head_platform_files(report: Report, planned: Planned) -> tuple[Report, Policies | None]:
    """A pull request that changes the catalog or policies has them validated as they will be once merged:
    the gate judges it by the base's rules, but must not let it break the rules every later PR needs.
    Returns the head's policies too, when they are valid (the rules preview judges by them)."""
    touched = any(p.startswith((f"{TEMPLATES}/", f"{POLICIES}/")) for p in report.governance_paths)
    if not touched:
        return report, None
    head = planned.scope.head
    problems, head_policies = policies_of(head.tree, head.setup)  # the head's catalog is loaded already
    if problems:
        return report.model_copy(update={"head_policy_errors": [str(p) for p in problems]}), None
    return report, head_policies


def _rules_preview(
    report: Report, planned: Planned, rules: tuple[Policies, Policies], pricing: cost.Pricing | str, today: dt.date
) -> Report:
    known = None if isinstance(pricing, str) else pricing
    found = rules_preview.preview(report, planned.scope.base, *rules, known, today)
    return report.model_copy(update={"rules_preview": found}) if found else report


def evaluate(
    services: Services,
    base_ref: str,
    head_ref: str,
    *,
    only: list[str] | None = None,
    progress: Progress | None = None,
    author: Author | None = None,
) -> Evaluation:
    """The whole evaluation of base..head; `author` (a pull request's) can only raise the tier."""
    planned = plan(services, base_ref, head_ref, only=only, progress=progress)
    base = planned.scope.base
    loaded = load_policies(base)
    if isinstance(loaded, Policies):
        policies: Policies | None = loaded
        report = judge(planned, services, loaded)
    else:
        policies = None
        report = findings.unjudgeable(planned.report, loaded)
    pricing = base_pricing(base, services.clock.today())
    report = price(report, planned, policies, pricing, services.cache)
    report, head_policies = _head_platform_files(report, planned)
    if policies is not None and head_policies is not None:
        report = _rules_preview(report, planned, (policies, head_policies), pricing, services.clock.today())
    teams = base.setup.teams if base.setup else None
    report = risk.assess(report, policies.risk if policies else None, author, teams)
    report = decision.decided(report, teams, base.error)
    if report.risk:
        log.info("risk %s: %s", report.risk.tier, "; ".join(report.risk.reasons[:3]))
    return Evaluation(report, teams)
