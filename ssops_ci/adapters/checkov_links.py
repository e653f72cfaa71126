"""Each checkov finding links the check that made it, at the checkov version that ran.

checkov's own guideline URLs come from its platform's metadata download, which ssops-ci never makes
(no call home, no network in CI); the check's source at the exact version is precise, stable and
says what passes: its description, the attributes it reads, the values it accepts.
"""

from __future__ import annotations

import functools
import json
from importlib import metadata
from pathlib import Path

import yaml

from ssops_ci.config import yamlsrc

REPOSITORY = "https://github.com/bridgecrewio/checkov/blob"


@functools.cache
def _version() -> str:
    return metadata.version("checkov")


@functools.cache
def _package_root() -> Path:
    import checkov

    return Path(checkov.__file__).parent


@functools.cache
def _graph_checks() -> dict[str, str]:
    """Graph check id -> its file, relative to the checkov package (read once, when first needed)."""
    root = _package_root() / "terraform" / "checks" / "graph_checks"
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            doc = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yamlsrc.SAFE_LOADER)  # noqa: S506
        except (OSError, ValueError, yaml.YAMLError):
            continue
        check_id = (doc or {}).get("metadata", {}).get("id") if isinstance(doc, dict) else None
        if isinstance(check_id, str):
            found.setdefault(check_id, path.relative_to(_package_root().parent).as_posix())
    return found


def check_link(check_id: str, check_class: str | None) -> str | None:
    """The URL of the check's source at the installed checkov version, or None for checks not checkov's."""
    if check_class and check_class.startswith("checkov.") and not check_class.startswith("checkov.common."):
        return f"{REPOSITORY}/{_version()}/{check_class.replace('.', '/')}.py"
    path = _graph_checks().get(check_id)
    return f"{REPOSITORY}/{_version()}/{path}" if path else None
