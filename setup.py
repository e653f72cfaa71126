"""The wheel also carries the starter repository `ssops-ci init` writes: this project's own
templates/, policies/ and workflows, copied at build time so git holds them once."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

STARTER = ("templates", "policies", "schemas", ".github/workflows")


class BuildWithStarter(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "ssops_ci" / "starter"
        for name in STARTER:
            src = Path(name)
            if src.is_dir():
                shutil.copytree(src, target / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildWithStarter})
