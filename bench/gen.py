"""Generated ssops repositories of any size, for benchmarks."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from bench import gitops

PROJECT = Path(__file__).resolve().parent.parent
KIND_SPECS = {
    "PostgresDatabase": lambda r: {"size": r.choice(["small", "medium"]), "storageGb": r.choice([20, 50, 100])},
    "ObjectBucket": lambda r: {"expireAfterDays": r.choice([0, 365])},
    "Queue": lambda r: {"fifo": r.random() < 0.3, "maxReceiveCount": r.randint(1, 9)},
    "RedisCache": lambda r: {"size": "small", "replicas": r.randint(1, 2)},
    "Function": lambda r: {"artifact": f"a/b/{r.randint(1, 99)}.zip", "memoryMb": r.choice([128, 256, 512])},
}


def team_name(i: int) -> str:
    return f"team-{i:03d}"


def generate(
    root: Path,
    n: int,
    *,
    teams: int = 50,
    seed: int = 7,
    git: bool = False,
    render: bool = False,
    kinds: list[str] | None = None,
) -> list[str]:
    """A repository with `n` requests spread over `teams` teams; returns the request paths."""
    rnd = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for d in ("templates", "policies"):
        shutil.copytree(PROJECT / d, root / d, dirs_exist_ok=True)
    team_doc = yaml.safe_load((PROJECT / "policies/teams.yaml").read_text())
    for t in range(teams):
        team_doc["teams"][team_name(t)] = {
            "github_team": f"acme/{team_name(t)}",
            "members": [f"dev-{t}-a", f"dev-{t}-b"],
            "monthly_budget_usd": 100000,
        }
    (root / "policies/teams.yaml").write_text(yaml.safe_dump(team_doc, sort_keys=False))
    paths = []
    for i in range(n):
        kind = rnd.choice(kinds or sorted(KIND_SPECS))
        team = team_name(i % teams)
        name = f"r{i:05d}"
        doc = {
            "apiVersion": "ssops/v1",
            "kind": kind,
            "metadata": {
                "name": name,
                "team": team,
                "environment": rnd.choice(["dev", "staging", "prod"]),
                "costCenter": f"CC-{i % 97:04d}",
                "description": f"generated request {i}",
            },
            "spec": KIND_SPECS[kind](rnd),
        }
        path = f"requests/{team}/{name}.yaml"
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(yaml.safe_dump(doc, sort_keys=False))
        paths.append(path)
    if render:
        render_quietly(root)
    if git:
        (root / ".gitignore").write_text(".ssops/\n")
        gitops.git(root, "init", "-q", "-b", "main")
        gitops.commit_all(root, "generated")
    return paths


def render_quietly(root: Path) -> None:
    from ssops_ci.adapters.worktree import WorkTree, write_rendered
    from ssops_ci.app.workspace import open_workspace, render_requests

    tree = WorkTree(root)
    result = render_requests(tree, open_workspace(tree, str(root)))
    assert not result.problems, result.problems[:3]
    write_rendered(tree.root, result.files, result.mismatches)
