"""A template change that reaches 1,000 stacks: the full `ssops-ci plan` beside a bare `checkov -d` CLI run
over the same stacks (issue 17's goal: <= 0.3x), in one run, as separate processes.

`plan` is measured with an empty cache (the first evaluation of the platform team's pull request) and
with the cache that run left (every later evaluation of the same head: a push elsewhere, the required
CI finishing, the gate's last look before merging).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import git

from bench import gitops
from bench.gen import generate, render_quietly
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.scope import scope

BIN = Path(sys.executable).parent


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
        t0 = time.perf_counter()
        found = scope(GitRepository(git.Repo(root)), "main", "platform").affected
        detect = time.perf_counter() - t0
        plan = [str(BIN / "ssops-ci"), "plan", "--base", "main", "--head", "platform", "--json", "/dev/null"]
        checkov = [str(BIN / "checkov"), "-d", "rendered", "--framework", "terraform", "--skip-download", "--quiet"]
        shutil.rmtree(root / ".ssops", ignore_errors=True)
        cold = gitops.timed(plan, root)
        warm = gitops.timed(plan, root)
        bare = gitops.timed(checkov, root)
    return {
        "stacks_reached": len(found.touched),
        "detect_seconds": round(detect, 2),
        "plan_cold_seconds": round(cold, 2),
        "plan_warm_seconds": round(warm, 2),
        "checkov_cli_seconds": round(bare, 2),
        "cold_over_checkov": round(cold / bare, 2),
        "warm_over_checkov": round(warm / bare, 2),
    }
