"""Guardrails and checkov over a 200-stack pull request: one in-process checkov pass.

Side by side in one run: the same 20 stacks scanned in one pass and one stack at
a time (still in-process), to show what batching buys on this machine.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import git

from bench import gitops
from bench.gen import generate, render_quietly
from ssops_ci.adapters.checkov import CheckovScanner
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.evaluate import evaluate, load_policies, plan
from ssops_ci.config.policies import Policies
from ssops_ci.ops import wiring


def run(n: int = 200) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, 50, git=True, render=True)
        gitops.git(root, "checkout", "-q", "-b", "big-pr")
        generate(root, n + 50)  # same seed: rewrites the first 50 identically, adds n more
        render_quietly(root)
        gitops.commit_all(root, "200 requests")
        repo = GitRepository(git.Repo(root))
        import checkov.terraform.runner  # noqa: F401 - import cost (about 3 s) is paid once, not measured

        t0 = time.perf_counter()
        planned = plan(wiring.services(repo), "main", "big-pr")
        t1 = time.perf_counter()
        pols = load_policies(planned.scope.base)
        assert isinstance(pols, Policies) and planned.scope.base.setup is not None
        scanner = CheckovScanner(pols, planned.scope.base.setup.catalog)
        stacks = [p.after.stack for p in planned.prepared.values() if p.after.stack]
        t2 = time.perf_counter()
        result = scanner.scan(stacks)
        t3 = time.perf_counter()
        sample = stacks[:20]
        t4 = time.perf_counter()
        scanner.scan(sample)
        t5 = time.perf_counter()
        for s in sample:
            scanner.scan([s])
        t6 = time.perf_counter()
        t7 = time.perf_counter()
        full = evaluate(wiring.services(repo, today=dt.date(2026, 11, 22)), "main", "big-pr").report
        t8 = time.perf_counter()
    assert len(stacks) == n and not result.errors
    return {
        "stacks": n,
        "plan_seconds": round(t1 - t0, 2),
        "checkov_one_pass_seconds": round(t3 - t2, 2),
        "checkov_checks_passed": result.passed,
        "checkov_findings": sum(len(v) for v in result.findings.values()),
        "whole_check_seconds_after_import": round(t8 - t7, 2),
        "blocking_findings": sum(1 for s in full.stacks for f in s.findings if f.blocking),
        "sample_20_one_pass_seconds": round(t5 - t4, 2),
        "sample_20_one_by_one_seconds": round(t6 - t5, 2),
        "one_pass_speedup": round((t6 - t5) / (t5 - t4), 1),
    }
