"""Security checks: checkov, in-process, once over every stack a change touches.

checkov is imported lazily (it takes seconds) and never downloads anything: we
call its Terraform runner directly with external modules off, so no platform
integration, guideline download or module registry is involved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ssops_ci.adapters.checkov_links import check_link
from ssops_ci.config.catalog import Catalog, CheckovException
from ssops_ci.config.policies import Policies
from ssops_ci.model.finding import Finding, ScanResult, Severity
from ssops_ci.model.layout import stack_of_rendered
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.stack import Stack
from ssops_ci.ports import Cache

# Written beside the org's checks on every scan: JSON of what template.yaml declares that checks need
# (where each resource type names its KMS key). A `.json` or `.yaml` there would be loaded as a check.
CATALOG_FACTS = "ssops-catalog.data"


def catalog_facts(catalog: Catalog) -> str:
    """What the org's checks may know of the catalog (the CATALOG_FACTS file's text)."""
    return json.dumps({"encryption_key": catalog.encryption_keys()}, sort_keys=True)


_SEVERITY_NAMES: dict[str, Severity] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "INFO": "info",
}


def _quiet_checkov() -> None:
    os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")  # no call home for check metadata
    os.environ.setdefault("CHECKOV_ENABLE_MODULES_FOREACH_HANDLING", "False")

    for name in ("checkov", "bc_python_hcl2"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _reset_caches() -> None:
    """checkov keeps some results in class-level caches keyed by relative path; a second scan in the
    same process (a retry, an isolation pass, the test suite) must not see the first one's policies."""
    from checkov.terraform.checks.utils.base_cloudsplaining_iam_scanner import BaseTerraformCloudsplainingIAMScanner
    from checkov.terraform.module_loading.registry import ModuleLoaderRegistry

    BaseTerraformCloudsplainingIAMScanner.policy_document_cache.clear()
    ModuleLoaderRegistry.module_content_cache.clear()


def _forget(ids: frozenset[str]) -> None:
    """Drop earlier registrations of our custom checks: checkov keeps the first check of an id forever."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    for table in (resource_registry.checks, resource_registry.wildcard_checks):
        for entity in list(table):
            table[entity] = [c for c in table[entity] if c.id not in ids]
    graph = get_graph_checks_registry("terraform")
    graph.checks = [c for c in graph.checks if c.id not in ids]


def _registered(ids: frozenset[str]) -> set[str]:
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    python = {c.id for checks in resource_registry.checks.values() for c in checks}
    python |= {c.id for checks in resource_registry.wildcard_checks.values() for c in checks}
    graph = {c.id for c in get_graph_checks_registry("terraform").checks}
    return (python | graph) & ids


class _Kept(BaseModel):
    """One stack's scan, as the cache keeps it."""

    findings: list[Finding]
    passed: int


class CheckovScanner:
    """`cache`, if given, keeps each stack's findings under a digest of everything they depend on (the
    stack's files, checkov's version, the org's checks and checkov settings, the kind's exceptions and
    hints), so evaluating the same pull request again (a push elsewhere, CI finishing, the gate's last
    look) scans only what changed."""

    def __init__(self, policies: Policies, catalog: Catalog, cache: Cache | None = None) -> None:
        self.policies = policies
        self.catalog = catalog
        self.config = policies.checkov
        self.cache = cache
        self._context: str | None = None

    # ------------------------------------------------------------------ running checkov

    def _run(self, root: Path, checks_dir: Path | None) -> Any:
        _quiet_checkov()
        from checkov.runner_filter import RunnerFilter
        from checkov.terraform.runner import Runner

        _reset_caches()
        return Runner().run(
            root_folder=str(root),
            external_checks_dir=[str(checks_dir)] if checks_dir else None,
            runner_filter=RunnerFilter(framework=["terraform"], download_external_modules=False),
        )

    def _write_checks(self, base: Path) -> Path | None:
        if not self.policies.custom_checks.files:
            return None
        checks = base / "checks"
        checks.mkdir()
        for name, data in self.policies.custom_checks.files.items():
            (checks / name).write_bytes(data)
        (checks / CATALOG_FACTS).write_text(catalog_facts(self.catalog), encoding="utf-8")
        _forget(self.policies.custom_checks.ids)
        return checks

    def scan(self, stacks: list[Stack]) -> ScanResult:
        if self.cache is None:
            return self._scan(stacks)
        result, misses, keys = ScanResult(), [], {}
        for stack in stacks:
            keys[stack.id] = self._key(stack)
            found = self.cache.get(keys[stack.id])
            try:
                kept = _Kept.model_validate(found) if found is not None else None
            except ValueError:
                kept = None  # damaged: scanned again
            if kept is None:
                misses.append(stack)
                continue
            result.passed += kept.passed
            result.passed_by_stack[stack.id] = kept.passed
            if kept.findings:
                result.findings[stack.id] = kept.findings
        fresh = self._scan(misses)
        for stack in misses:
            if stack.id not in fresh.errors:
                kept = _Kept(findings=fresh.findings.get(stack.id, []), passed=fresh.passed_by_stack.get(stack.id, 0))
                self.cache.put(keys[stack.id], kept.model_dump(mode="json"))
        result.passed += fresh.passed
        result.passed_by_stack.update(fresh.passed_by_stack)
        result.findings.update(fresh.findings)
        result.errors.update(fresh.errors)
        return result

    def _key(self, stack: Stack) -> str:
        if self._context is None:
            h = hashlib.sha256(f"checkov {metadata.version('checkov')}\0".encode())
            for name, data in sorted(self.policies.custom_checks.files.items()):
                h.update(name.encode() + b"\0" + data + b"\0")
            h.update(self.config.model_dump_json().encode())
            h.update(catalog_facts(self.catalog).encode())
            self._context = h.hexdigest()
        kind = self.catalog.get(stack.kind)
        spec = kind.spec.model_dump_json() if kind else ""
        about = [stack.id, stack.kind, stack.environment, stack.request, stack.template_version]
        body = json.dumps([*about, stack.paths()])
        return hashlib.sha256(f"scan\0{self._context}\0{spec}\0{body}".encode()).hexdigest()

    def _scan(self, stacks: list[Stack]) -> ScanResult:
        result = ScanResult()
        if not stacks:
            return result
        with tempfile.TemporaryDirectory(prefix="ssops-checkov-") as tmp:
            base = Path(tmp)
            checks_dir = self._write_checks(base)
            roots = {}
            for stack in stacks:
                for path, text in stack.paths().items():
                    target = base / "scan" / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
                roots[stack.id] = base / "scan"
            try:
                reports = [self._run(base / "scan", checks_dir)]
            except Exception as e:  # checkov crashed on something; find which stack, scan the rest
                reports = self._isolate(base, stacks, checks_dir, result, e)
            missing = self.policies.custom_checks.ids - _registered(self.policies.custom_checks.ids)
            if missing:
                raise SsopsError(
                    f"custom checkov check(s) {', '.join(sorted(missing))} in policies/checkov/checks did not load; "
                    "the gate refuses to run without them"
                )
            by_id = {s.id: s for s in stacks}
            for report in reports:
                self._collect(report, by_id, result)
        return result

    def _isolate(
        self, base: Path, stacks: list[Stack], checks_dir: Path | None, result: ScanResult, first: Exception
    ) -> list[Any]:
        reports = []
        for stack in stacks:
            root = base / "one" / stack.id
            for name, text in stack.files.items():
                (root / stack.dir / name).parent.mkdir(parents=True, exist_ok=True)
                (root / stack.dir / name).write_text(text, encoding="utf-8")
            try:
                reports.append(self._run(root, checks_dir))
            except Exception as e:
                result.errors[stack.id] = f"checkov crashed scanning this stack: {type(e).__name__}: {e}"
        if not result.errors:
            result.errors.update({s.id: f"checkov crashed: {type(first).__name__}: {first}" for s in stacks})
        return reports

    # ------------------------------------------------------------------ records -> findings

    def severity(self, check_id: str, record_severity: Any) -> Severity:
        if check_id in self.config.checks:
            return self.config.checks[check_id]
        name = getattr(record_severity, "name", None)
        return (
            _SEVERITY_NAMES.get(str(name).upper(), self.config.default_severity)
            if name
            else (self.config.default_severity)
        )

    def _collect(self, report: Any, stacks: dict[str, Stack], result: ScanResult) -> None:
        result.passed += len(report.passed_checks)
        for rec in report.passed_checks:
            if (sid := stack_of_rendered(rec.file_path.lstrip("/"))) in stacks:
                result.passed_by_stack[sid] = result.passed_by_stack.get(sid, 0) + 1
        for path in report.parsing_errors:
            sid = stack_of_rendered(Path(path).as_posix().split("/scan/", 1)[-1].lstrip("/"))
            if sid:
                result.errors[sid] = f"checkov could not parse {Path(path).name}; the rendered HCL is broken"
        for rec in report.failed_checks:
            rel = rec.file_path.lstrip("/")
            sid = stack_of_rendered(rel)
            if sid is None or sid not in stacks:
                continue
            result.findings.setdefault(sid, []).append(self._finding(rec, rel, stacks[sid]))

    def _accepted(self, check_id: str, stack: Stack) -> CheckovException | None:
        kind = self.catalog.get(stack.kind)
        exceptions = kind.spec.checkov_exceptions if kind else []
        return next((e for e in exceptions if e.id == check_id and stack.environment in e.environments), None)

    def _remediation(self, check_id: str, stack: Stack) -> str:
        kind = self.catalog.get(stack.kind)
        hint = kind.spec.remediation.get(check_id) if kind else None
        return hint or (
            f"rendered from {stack.request} by {stack.kind}@{stack.template_version}: change the request "
            "(see `ssops-ci catalog`), or ask the platform team to fix the template; "
            "if this is deliberate, add a waiver"
        )

    def _finding(self, rec: Any, rel: str, stack: Stack) -> Finding:
        details = "; ".join(d for d in (rec.details or []) if d)
        message = rec.check_name + (f" ({details})" if details else "")
        where = {
            "stack": stack.id,
            "resource": rec.resource,
            "file": rel,
            "line": rec.file_line_range[0] if rec.file_line_range else None,
            "link": rec.guideline or check_link(rec.check_id, rec.check_class) or self.config.default_link,
        }
        accepted = self._accepted(rec.check_id, stack)
        if accepted is not None:
            return Finding(
                source="checkov",
                check_id=rec.check_id,
                severity="info",
                message=f"{message}: accepted by the {stack.kind} template ({accepted.reason})",
                remediation="nothing to do: the platform team accepted this for the template",
                blocking=False,
                **where,
            )
        severity = self.severity(rec.check_id, rec.severity)
        return Finding(
            source="checkov",
            check_id=rec.check_id,
            severity=severity,
            message=message,
            remediation=self._remediation(rec.check_id, stack),
            blocking=severity in self.config.blocking_severities,
            **where,
        )
