"""Affected-stack detection for a one-file PR, as the repository grows (goal: under 1 s, flat).

Repos of 1,000 and 10,000 requests are measured side by side in one run; the
ratio between them is the figure that matters on a noisy machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import git

from bench import gitops
from bench.gen import generate
from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.evaluate import plan
from ssops_ci.app.scope import scope
from ssops_ci.ops import wiring


def _one_file_pr(root: Path, path: str) -> None:
    gitops.git(root, "checkout", "-q", "-b", "feature")
    p = root / path
    p.write_text(p.read_text().replace("generated request", "edited request"))
    gitops.commit_all(root, "one request")


def _timed(repo: GitRepository, fn: Any, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn(repo)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(sizes: tuple[int, ...] = (1_000, 10_000)) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        repos = {}
        for n in sizes:
            root = Path(tmp) / f"r{n}"
            paths = generate(root, n, git=True)
            _one_file_pr(root, paths[n // 2])
            repos[n] = GitRepository(git.Repo(root))
        for n, repo in repos.items():  # measured back to back, same process, same cache state
            out[f"detect_{n}_seconds"] = round(_timed(repo, lambda r: scope(r, "main", "feature")), 3)
            out[f"plan_{n}_seconds"] = round(_timed(repo, lambda r: plan(wiring.services(r), "main", "feature")), 3)
            assert len(plan(wiring.services(repo), "main", "feature").report.stacks) == 1
    small, big = sizes[0], sizes[-1]
    out["detect_ratio_big_over_small"] = round(out[f"detect_{big}_seconds"] / out[f"detect_{small}_seconds"], 2)
    out["plan_ratio_big_over_small"] = round(out[f"plan_{big}_seconds"] / out[f"plan_{small}_seconds"], 2)
    return out
