"""Rendering all 10,000 requests of a generated repository.

`ssops-ci render --check` as a user runs it (a separate process, imports included), three ways in one
run: with no cache, with an empty cache (what the first run after a template change pays: every stack
rendered and remembered) and with the cache that run left (the everyday case: nothing changed, or a few
requests). Beside them, the renderer alone in-process, and the same sample parsed file by file with the
HCL parser, which is what rendering would cost without compiled skeletons.
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

from hcl2.api import loads as parse_hcl

from bench.gen import generate
from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.revision import request_files
from ssops_ci.config.setup import load as load_setup
from ssops_ci.stages import validate
from ssops_ci.stages.blocks import refused
from ssops_ci.stages.render import Renderer

BIN = Path(sys.executable).parent
ROUNDS = 3


def _cli(root: Path, *flags: str) -> float:
    t = time.perf_counter()
    done = subprocess.run([str(BIN / "ssops-ci"), "render", "--check", *flags], cwd=root, capture_output=True)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-500:])
    return seconds


def _commands(root: Path, n: int) -> dict[str, Any]:
    none, empty, warm = [], [], []
    for _ in range(ROUNDS):
        none.append(_cli(root, "--no-cache"))
        shutil.rmtree(root / ".ssops", ignore_errors=True)
        empty.append(_cli(root))
        warm.append(_cli(root))
    med = {k: statistics.median(v) for k, v in (("none", none), ("empty", empty), ("warm", warm))}
    return {
        "cli_no_cache_seconds": round(med["none"], 2),
        "cli_empty_cache_seconds": round(med["empty"], 2),
        "cli_warm_cache_seconds": round(med["warm"], 2),
        "cli_no_cache_stacks_per_second": round(n / med["none"], 1),
        "cli_empty_cache_stacks_per_second": round(n / med["empty"], 1),
        "cli_warm_cache_stacks_per_second": round(n / med["warm"], 1),
    }


def _in_process(root: Path, n: int, sample: int) -> dict[str, Any]:
    tree = WorkTree(root)
    g = load_setup(tree)
    loaded = validate.validate_all(request_files(tree), g.catalog, g.teams)
    renderer = Renderer(g.catalog, g.platform)
    t1 = time.perf_counter()
    stacks = [renderer.render(r) for r in loaded.requests]
    t2 = time.perf_counter()
    assert len(stacks) == n and not loaded.problems
    reqs = loaded.requests[:sample]
    fresh = Renderer(g.catalog, g.platform)
    t3 = time.perf_counter()
    for r in reqs:
        fresh.render(r)
    t4 = time.perf_counter()
    for r in reqs:
        st = renderer.render(r)
        for text in st.files.values():
            refused(parse_hcl(text), st.dir, g.platform.allowed_providers)
    t5 = time.perf_counter()
    return {
        "renderer_seconds": round(t2 - t1, 2),
        "renderer_stacks_per_second": round(n / (t2 - t1), 1),
        "distinct_shapes_parsed": len(renderer._shapes),
        "sample": sample,
        "sample_ours_seconds": round(t4 - t3, 3),
        "sample_parse_every_file_seconds": round(t5 - t4, 3),
        "speedup_vs_parsing_every_file": round((t5 - t4) / (t4 - t3), 1),
    }


def run(n: int = 10_000, sample: int = 300) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n, render=True)
        return {"requests": n, "rounds": ROUNDS, **_commands(root, n), **_in_process(root, n, sample)}
