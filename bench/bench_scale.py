"""A one-request PR as the repository grows: the full `ssops-ci plan` beside a bare `checkov -d` CLI run
on the same stack, at 100, 1,000 and 10,000 requests (issue 17's goals: <= 1.2x checkov, flat in size).

Both are separate processes measured alternately, so imports count for both as they do on a runner.
`plan` is measured with an empty summary cache (cold: what a runner without a restored cache pays)
and with the cache its first run left (warm). Peak memory is the plan process's maximum RSS. Beside
them, `render --check --base main`: the pull request's rendering check, which should not grow either.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import gitops
from bench.gen import generate, render_quietly

BIN = Path(sys.executable).parent
ROUNDS = 3


TIME = Path("/usr/bin/time")  # GNU time reports one process's own peak RSS (getrusage only the maximum so far)


def _timed(cmd: list[str], cwd: Path) -> tuple[float, int | None]:
    """Seconds and peak RSS in KiB of one child process (None without GNU time)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [str(TIME), "-f", "%M", "-o", rss.name, *cmd] if TIME.exists() else cmd
        t = time.perf_counter()
        done = subprocess.run(wrapped, cwd=cwd, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        peak = rss.read().strip().splitlines()[-1:] if TIME.exists() else []
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} exited {done.returncode}: {done.stderr[-500:]}")
    return seconds, int(peak[0]) if peak and peak[0].isdigit() else None


def _repository(where: Path, n: int) -> tuple[Path, str]:
    root = where / f"r{n}"
    paths = generate(root, n, teams=50, git=True, render=True)
    target = paths[n // 2]
    gitops.git(root, "checkout", "-q", "-b", "feature")
    p = root / target
    p.write_text(p.read_text().replace("generated request", "edited request"))
    render_quietly(root)
    gitops.commit_all(root, "one request")
    return root, "rendered/" + target.removeprefix("requests/").removesuffix(".yaml")


def _measure(root: Path, stack: str) -> dict[str, Any]:
    plan = [str(BIN / "ssops-ci"), "plan", "--base", "main", "--head", "feature", "--json", "/dev/null"]
    checkov = [str(BIN / "checkov"), "-d", stack, "--framework", "terraform", "--skip-download", "--quiet"]
    check = [str(BIN / "ssops-ci"), "render", "--check", "--base", "main"]
    cold, warm, bare, peaks, checks = [], [], [], [], []
    for _ in range(ROUNDS):
        checks.append(_timed(check, root)[0])
        shutil.rmtree(root / ".ssops/cache", ignore_errors=True)
        seconds, peak = _timed(plan, root)
        cold.append(seconds)
        peaks.append(peak)
        warm.append(_timed(plan, root)[0])
        bare.append(_timed(checkov, root)[0])
    med = {k: statistics.median(v) for k, v in (("cold", cold), ("warm", warm), ("checkov", bare))}
    return {
        "plan_cold_seconds": round(med["cold"], 2),
        "plan_warm_seconds": round(med["warm"], 2),
        "checkov_cli_seconds": round(med["checkov"], 2),
        "cold_over_checkov": round(med["cold"] / med["checkov"], 2),
        "warm_over_checkov": round(med["warm"] / med["checkov"], 2),
        "plan_peak_mib": round(max(p for p in peaks if p) / 1024) if any(peaks) else None,
        "render_check_base_seconds": round(statistics.median(checks), 2),
    }


def run(sizes: tuple[int, ...] = (100, 1_000, 10_000)) -> dict[str, Any]:
    out: dict[str, Any] = {"rounds": ROUNDS}
    with tempfile.TemporaryDirectory() as tmp:
        built = {n: _repository(Path(tmp), n) for n in sizes}
        for n, (root, stack) in built.items():
            out[str(n)] = _measure(root, stack)
    small, big = str(sizes[0]), str(sizes[-1])
    for key in ("plan_cold_seconds", "plan_warm_seconds", "render_check_base_seconds"):
        name = key.removesuffix("_seconds").removeprefix("plan_")
        out[f"{name}_growth_{small}_to_{big}"] = round(out[big][key] / out[small][key] - 1, 3)
    table = [
        "| requests | plan cold (s) | plan warm (s) | checkov CLI (s) | cold/checkov | warm/checkov | peak MiB "
        "| render --check --base (s) |"
    ]
    table.append("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        r = out[str(n)]
        table.append(
            f"| {n:,} | {r['plan_cold_seconds']} | {r['plan_warm_seconds']} | {r['checkov_cli_seconds']} | "
            f"{r['cold_over_checkov']} | {r['warm_over_checkov']} | {r['plan_peak_mib']} "
            f"| {r['render_check_base_seconds']} |"
        )
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.md").write_text("\n".join(table) + "\n")
    return out
