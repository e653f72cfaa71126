"""Static planning of a template change that reaches 1,000 stacks (one report)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import git

from bench import gitops
from bench.gen import generate, render_quietly
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.evaluate import plan
from ssops_ci.app.scope import scope
from ssops_ci.ops import wiring


def run(n: int = 1_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n, kinds=["Queue"], git=True, render=True)
        gitops.git(root, "checkout", "-q", "-b", "platform")
        tpl = root / "templates/queue/main.tf.j2"
        tpl.write_text(
            tpl.read_text().replace(
                "kms_data_key_reuse_period_seconds = 300\n  tags", "kms_data_key_reuse_period_seconds = 600\n  tags"
            )
        )
        render_quietly(root)
        gitops.commit_all(root, "template change")
        repo = GitRepository(git.Repo(root))
        t0 = time.perf_counter()
        found = scope(repo, "main", "platform").affected
        t1 = time.perf_counter()
        report = plan(wiring.services(repo), "main", "platform").report
        t2 = time.perf_counter()
        json_size = len(report.to_json())
    assert len(report.stacks) == n and all(s.status == "ok" and not s.drift for s in report.stacks)
    return {
        "stacks_reached": len(found.touched),
        "detect_seconds": round(t1 - t0, 2),
        "plan_seconds": round(t2 - t1, 2),
        "stacks_per_second": round(n / (t2 - t1), 1),
        "report_bytes": json_size,
    }
