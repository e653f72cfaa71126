"""Not a timing: the monthly estimate for each kind at each size, in prod and dev, with default usage."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench.gen import PROJECT
from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.app.workspace import breakdown, open_workspace

SIZES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "PostgresDatabase": [(s, {"size": s, "storageGb": 20}) for s in ("small", "medium", "large")],
    "RedisCache": [(s, {"size": s, "replicas": 1}) for s in ("small", "medium", "large")],
    "ObjectBucket": [("default usage", {})],
    "Queue": [("standard", {}), ("fifo", {"fifo": True})],
    "Function": [("256 MB", {"artifact": "a/b.zip"}), ("1024 MB", {"artifact": "a/b.zip", "memoryMb": 1024})],
}


def run() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ("templates", "policies"):
            import shutil

            shutil.copytree(PROJECT / d, root / d)
        i = 0
        names = {}
        for kind, sizes in SIZES.items():
            for label, spec in sizes:
                for env in ("prod", "dev"):
                    name = f"c{i:02d}"
                    i += 1
                    names[name] = (kind, label, env)
                    doc = {
                        "apiVersion": "ssops/v1",
                        "kind": kind,
                        "metadata": {"name": name, "team": "payments", "environment": env, "costCenter": "CC-1042"},
                        "spec": spec,
                    }
                    (root / "requests/payments").mkdir(parents=True, exist_ok=True)
                    (root / f"requests/payments/{name}.yaml").write_text(yaml.safe_dump(doc))
        tree = WorkTree(root)
        result = breakdown(tree, open_workspace(tree, str(root)))
    for s in result["stacks"]:
        kind, label, env = names[s["id"].split("/")[1]]
        out.setdefault(kind, {}).setdefault(label, {})[f"{env} ({s['region']})"] = s["monthly"]
    return out
