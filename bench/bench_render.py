"""Render throughput on a generated repository of 10,000 requests.

Side by side in one run: our renderer (skeleton shapes parsed once) against the
naive approach of parsing every rendered file with the HCL parser, on the same
sample, so the ratio holds on a noisy 2-core machine.
"""

from __future__ import annotations

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


def run(n: int = 10_000, sample: int = 300) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n)
        tree = WorkTree(root)
        t0 = time.perf_counter()
        g = load_setup(tree)
        loaded = validate.validate_all(request_files(tree), g.catalog, g.teams)
        t1 = time.perf_counter()
        renderer = Renderer(g.catalog, g.platform)
        stacks = [renderer.render(r) for r in loaded.requests]
        t2 = time.perf_counter()
        assert len(stacks) == n and not loaded.problems

        # Same sample, both ways, interleaved in one run.
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
        "requests": n,
        "validate_seconds": round(t1 - t0, 2),
        "render_seconds": round(t2 - t1, 2),
        "stacks_per_second": round(n / (t2 - t1), 1),
        "validate_and_render_stacks_per_second": round(n / (t2 - t0), 1),
        "distinct_shapes_parsed": len(renderer._shapes),
        "sample": sample,
        "sample_ours_seconds": round(t4 - t3, 3),
        "sample_parse_every_file_seconds": round(t5 - t4, 3),
        "speedup_vs_parsing_every_file": round((t5 - t4) / (t4 - t3), 1),
    }
