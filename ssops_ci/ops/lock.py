"""`ssops-ci lock`: one ssops-ci release and every package it needs, each with the sha256 of every file
the index offers for it (pip-tools' `pip-compile --generate-hashes`), so that the workflows install with
`pip install --require-hashes`: an index or mirror serving other bytes for a pinned version is refused.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ssops_ci.model.problems import SsopsError
from ssops_ci.ops.doctor import Check

LOCK = ".github/ssops-ci.lock"
HEADER = """\
# ssops-ci {version} and every package it needs, pinned with the sha256 of each file (`ssops-ci lock`, pip-tools).
# The workflows install exactly this: pip install --require-hashes --no-deps -r .github/ssops-ci.lock
# To upgrade: install the new ssops-ci, run `ssops-ci lock` on Linux with the workflows' Python (3.11), and
# merge the result through a pull request (a change under .github/ is the platform team's to review).
"""
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def compile_lock(version: str, find_links: list[str], no_index: bool = False, timeout: float = 1800) -> str:
    """The lock file's text for ssops-ci==`version`, resolved for this interpreter and platform."""
    if importlib.util.find_spec("piptools") is None:
        raise SsopsError("`ssops-ci lock` runs pip-tools, which is not installed: pip install 'ssops-ci[lock]'")
    with tempfile.TemporaryDirectory(prefix="ssops-lock-") as tmp:
        wanted, out = Path(tmp) / "ssops-ci.in", Path(tmp) / "ssops-ci.lock"
        wanted.write_text(f"ssops-ci=={version}\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "piptools", "compile", "--generate-hashes", "--no-header", "--quiet"]
        cmd += ["--no-emit-index-url", "--no-emit-find-links", "--strip-extras", "--output-file", str(out)]
        cmd += [f"--find-links={d}" for d in find_links] + (["--no-index"] if no_index else [])
        try:
            done = subprocess.run([*cmd, str(wanted)], capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise SsopsError(
                f"pip-compile did not finish in {timeout:.0f} s; is the package index reachable?"
            ) from None
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            raise SsopsError(f"pip-compile could not resolve ssops-ci=={version}:\n{tail}")
        return HEADER.format(version=version) + out.read_text(encoding="utf-8")


def requirements(text: str) -> dict[str, tuple[str, int]]:
    """Each pinned package of a lock file: name -> (version, how many hashes it carries)."""
    found: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _PIN.match(line)
        if m:
            current = m.group(1).lower().replace("_", "-")
            found[current] = (m.group(2), 0)
        elif current and stripped.startswith("--hash="):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def problems(text: str, version: str | None = None) -> list[str]:
    """What keeps a lock file from installing ssops-ci with every hash checked."""
    pinned = requirements(text)
    out = [f"{name}=={v} has no --hash" for name, (v, hashes) in sorted(pinned.items()) if hashes == 0]
    if "ssops-ci" not in pinned:
        out.append("it does not pin ssops-ci")
    elif version and pinned["ssops-ci"][0] != version:
        out.append(f"it pins ssops-ci=={pinned['ssops-ci'][0]}, not the installed {version}: run `ssops-ci lock`")
    return out


_LOCKED_INSTALL = re.compile(r"pip install[^\n]*--require-hashes[^\n]*\s-r\s+(\S+)")


def lock_checks(root: Path, installed: str) -> list[Check]:
    """The workflows that install from a lock find it committed, complete and hashed (`ssops-ci doctor`)."""
    used = {
        m.group(1).removeprefix("base/")
        for path in sorted((root / ".github/workflows").glob("*.y*ml"))
        for m in _LOCKED_INSTALL.finditer(path.read_text(encoding="utf-8"))
    }
    out = []
    for rel in sorted(used):
        lock = root / rel
        if not lock.is_file():
            out.append(
                Check(False, f"{rel}, which the workflows install from, exists", "run `ssops-ci lock` and commit it")
            )
            continue
        wrong = problems(lock.read_text(encoding="utf-8"))
        out.append(Check(not wrong, f"{rel} pins ssops-ci and every dependency with hashes", "; ".join(wrong)))
        pinned = requirements(lock.read_text(encoding="utf-8")).get("ssops-ci", ("none", 0))[0]
        fix = f"run `ssops-ci lock` to pin {installed}, or install ssops-ci {pinned} here"
        out.append(
            Check(pinned == installed, f"{rel} pins the ssops-ci installed here ({installed})", fix, level="warn")
        )
    return out
