"""`ssops-ci init`: make a repository an ssops-ci repository, from the starter this package carries.

The starter is this project's own catalog, policies and workflows, shipped inside the wheel (see
setup.py). The workflows are rewritten to install ssops-ci from `.github/ssops-ci.lock` (`ssops-ci lock`:
this release and its dependencies, every file's hash checked) instead of from the repository's own tree,
so a pull request that edits build files cannot choose the code that runs with the repository's
credentials, and an index serving other bytes is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ssops_ci
from ssops_ci import __version__
from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import teams as teams_config
from ssops_ci.model.problems import SsopsError
from ssops_ci.ops.doctor import GOVERNED
from ssops_ci.ops.lock import LOCK

# ci.yml tests ssops-ci itself; an adopting repository runs the other six
WORKFLOWS = ("evaluate.yml", "gate.yml", "apply.yml", "drift.yml", "refresh.yml", "report.yml")
IGNORED = (".ssops/", ".venv/", "__pycache__/")
SELF_INSTALL = re.compile(r"(?m)^(\s*(?:- )?run: python -m pip install --disable-pip-version-check) \.(/base)?$")
SELF_INSTALL_NAME = re.compile(r"(?m)^(\s*- name:) Install ssops-ci from the default branch$")

Action = Literal["create", "unchanged", "overwrite", "conflict"]


@dataclass(frozen=True)
class Planned:
    path: str
    text: str
    action: Action


def starter_root() -> Path:
    """Where the starter is: inside the installed package, or the source tree of an editable install."""
    package = Path(ssops_ci.__file__).parent
    if (package / "starter" / "templates").is_dir():
        return package / "starter"
    source = package.parent
    if (source / "templates").is_dir() and (source / "pyproject.toml").is_file():
        return source
    raise SsopsError("this installation of ssops-ci has no starter catalog; reinstall ssops-ci from its wheel")


def _from_lock(m: re.Match[str]) -> str:
    """The lock of the checkout the step installs from: the default branch's (`base/`) where the job also
    holds the pull request's files."""
    where = "base/" if m.group(2) else ""
    return f"{m.group(1)} --require-hashes --no-deps -r {where}{LOCK}"


def pinned_workflow(text: str, name: str, version: str = __version__) -> str:
    out = SELF_INSTALL.sub(_from_lock, text)
    out = SELF_INSTALL_NAME.sub(rf"\1 Install ssops-ci {version} from {LOCK} (every hash checked)", out)
    if re.search(r"pip install[^\n]* \.(/base)?\s*$", out, re.MULTILINE):
        raise AssertionError(f"{name}: a self-install step was not pinned")  # a bug: the starter changed shape
    return out


def codeowners(root: Path) -> str:
    teams = teams_config.load(WorkTree(root))
    platform = teams.platform.mention
    lines = [
        '# Who must review what (GitHub enforces it with "Require review from Code Owners").',
        "# Kept in step with policies/teams.yaml: `ssops-ci doctor` checks it.",
        *(f"{folder:<24} {platform}" for folder in GOVERNED),
        *(f"{f'/requests/{name}/':<24} {t.mention}" for name, t in teams.teams.items() if name != teams.platform_team),
    ]
    return "\n".join(lines) + "\n"


def starter_files(root: Path) -> dict[str, str]:
    """Every file `init` writes, by path in the new repository."""
    files: dict[str, str] = {}
    for folder in ("templates", "policies", "schemas"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    for name in WORKFLOWS:
        text = (root / ".github" / "workflows" / name).read_text(encoding="utf-8")
        files[f".github/workflows/{name}"] = pinned_workflow(text, name)
    files[".github/CODEOWNERS"] = codeowners(root)
    files["requests/.gitkeep"] = ""
    return files


def _gitignore(target: Path) -> tuple[str, Action]:
    """.gitignore is merged, never replaced: the lines ssops-ci needs are added to what is there."""
    path = target / ".gitignore"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = [line for line in IGNORED if line not in current.splitlines()]
    if not missing:
        return current, "unchanged"
    text = current + ("" if not current or current.endswith("\n") else "\n") + "\n".join(missing) + "\n"
    return text, "overwrite" if current else "create"


def plan(target: Path, force: bool) -> list[Planned]:
    out: list[Planned] = []
    for rel, text in starter_files(starter_root()).items():
        path = target / rel
        if not path.exists():
            action: Action = "create"
        elif path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
            action = "unchanged"
        else:
            action = "overwrite" if force else "conflict"
        out.append(Planned(rel, text, action))
    text, action = _gitignore(target)
    out.append(Planned(".gitignore", text, action))
    return out


def write(target: Path, planned: list[Planned]) -> None:
    for p in planned:
        if p.action in ("create", "overwrite"):
            path = target / p.path
            if path.is_dir():
                raise SsopsError(f"{p.path} is a directory; move it away and run init again")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(p.text, encoding="utf-8")
