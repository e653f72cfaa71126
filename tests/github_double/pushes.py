"""git pushes to the double's repository, checked the way GitHub checks them: the pushing token must exist
and hold `contents: write` (a workflow's read-only GITHUB_TOKEN is refused, with GitHub's message).

The origin is a bare repository pushed to over the local transport, so its `pre-receive` hook runs in a
process that inherits the pusher's environment: the hook reads GITHUB_TOKEN there and looks the token up
in a file the double keeps current.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOKENS_FILE = "ssops-double-tokens.json"

HOOK = """#!{python}
import json, os, sys
tokens = json.load(open(os.path.join(os.environ.get("GIT_DIR", "."), "{tokens}")))
who = tokens.get(os.environ.get("GITHUB_TOKEN", ""))
if who is None:
    print("remote: Invalid username or token. Password authentication is not supported for Git operations.")
    sys.exit(1)
if who["contents"] != "write":
    print(f"remote: Permission to {repo}.git denied to {{who['login']}}.")
    sys.exit(1)
"""


class Tokens(dict[str, Any]):
    """The double's tokens; every change is written where the push hook reads it."""

    def __init__(self, origin: Path, describe: Callable[[Any], dict[str, str]], initial: dict[str, Any]) -> None:
        super().__init__(initial)
        self.path, self.describe = origin / TOKENS_FILE, describe
        self._save()

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._save()

    def _save(self) -> None:
        self.path.write_text(json.dumps({k: self.describe(v) for k, v in self.items()}))


def install_hook(origin: Path, repo: str) -> None:
    hook = origin / "hooks/pre-receive"
    hook.write_text(HOOK.format(python=sys.executable, tokens=TOKENS_FILE, repo=repo))
    hook.chmod(0o755)
