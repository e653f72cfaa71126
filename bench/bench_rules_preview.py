"""A rules change in a repository of 2,000 merged requests: `ssops-ci plan` of a pull request that edits
policies/risk.yaml (every merged request judged both ways) beside one that adds a single request, in one
run, as separate processes with the same warm render cache. The ratio is what the preview costs."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import gitops
from bench.gen import generate

BIN = Path(sys.executable).parent
RULE = '  - id: databases-need-platform\n    when: {kinds: [PostgresDatabase]}\n    tier: high\n    reason: "{stack}"\n'


def _plan(root: Path, head: str) -> float:
    return gitops.timed([str(BIN / "ssops-ci"), "plan", "--base", "main", "--head", head, "--json", "/dev/null"], root)


def run(n: int = 2_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n, git=True, render=True)
        gitops.git(root, "checkout", "-q", "-b", "one-request", "main")
        first = sorted((root / "requests").glob("*/*.yaml"))[0]
        (first.parent / "added.yaml").write_text(first.read_text().replace(first.stem, "added"))
        gitops.commit_all(root, "one request")
        gitops.git(root, "checkout", "-q", "-b", "rules", "main")
        risk = root / "policies/risk.yaml"
        risk.write_text(risk.read_text().replace("pr_rules:\n", RULE + "pr_rules:\n"))
        gitops.commit_all(root, "a risk rule")
        _plan(root, "one-request")  # warms the render cache both runs share
        one = _plan(root, "one-request")
        rules = _plan(root, "rules")
    return {
        "merged_requests": n,
        "one_request_pr_seconds": round(one, 2),
        "rules_pr_seconds": round(rules, 2),
        "rules_over_one_request": round(rules / one, 2),
    }
