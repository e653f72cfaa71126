"""`pr evaluate` of a one-request PR against the GitHub double: wall time and API calls."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.gen import PROJECT
from tests.conftest import Repo, git_init, pull_requests, request_yaml
from tests.github_double.fixture import make_world


def run(rounds: int = 3) -> dict[str, Any]:
    import shutil

    import checkov.terraform.runner  # noqa: F401 - import once, as a long-lived runner would not, but CI does

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "dev"
        root.mkdir()
        for d in ("templates", "policies", "requests", "rendered"):
            shutil.copytree(PROJECT / d, root / d)
        (root / ".gitignore").write_text(".ssops/\n")
        git_init(root)
        world = make_world(Repo(root), Path(tmp))
        times, calls, server_calls = [], [], []
        paced_times = []
        for i in range(rounds * 2):
            name = f"jobs{i}"
            world.branch_with(name, {f"requests/payments/{name}.yaml": request_yaml(name=name)})
            n = world.double.open_pr(name, "alice")
            before = len(world.double.calls)
            paced = i >= rounds
            forge = world.forge(paced=paced)
            world.fetch()
            t = time.perf_counter()
            outcome = pull_requests(world.ci, forge).evaluate(n)
            (paced_times if paced else times).append(time.perf_counter() - t)
            assert outcome.merge and outcome.merge.merged
            calls.append(forge.calls)
            server_calls.append(len(world.double.calls) - before)
        world.double.stop()
        assert not world.double.violations, world.double.violations
    return {
        "pr_evaluate_seconds_median_unpaced": round(statistics.median(times), 2),
        "pr_evaluate_seconds_median_with_pygithub_write_pacing": round(statistics.median(paced_times), 2),
        "api_calls_made": calls[-1],
        "http_requests_seen_by_double": server_calls[-1],
    }
