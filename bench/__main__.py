from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

BENCHES = ["render", "affected", "template_change", "check", "costs", "pr_evaluate", "scale", "rules_preview"]


def main(names: list[str]) -> None:
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    for name in names or BENCHES:
        module = importlib.import_module(f"bench.bench_{name}")
        result = module.run()
        print(name, json.dumps(result, indent=2))
        (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
