"""A real repository that hostile pull requests are thrown at, one branch per case, through the CLI.

Each attempt commits the case on a branch off `main`, runs `ssops-ci validate` on the checkout and
`ssops-ci plan` of the branch against `main`, and returns what a developer and the gate would see.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ssops_ci.commands.cli import cli
from tests.conftest import GOVERNED, PROJECT, git_init, request_yaml, run_git


@dataclass
class Outcome:
    validate: Result
    plan: Result
    report: dict[str, Any] | None
    left_behind: str  # `git status --porcelain` after the commands: they must write nothing

    @property
    def tier(self) -> str | None:
        return ((self.report or {}).get("risk") or {}).get("tier")

    @property
    def said(self) -> str:
        return self.validate.output + self.plan.output + json.dumps(self.report or {}, ensure_ascii=False)


class Arena:
    def __init__(self, root: Path, scratch: Path) -> None:
        self.root, self.scratch = root, scratch

    @classmethod
    def build(cls, where: Path) -> Arena:
        root = where / "repo"
        root.mkdir(parents=True)
        for d in (*GOVERNED, "requests"):
            shutil.copytree(PROJECT / d, root / d)
        (root / ".gitignore").write_text(".ssops/\n")
        with (root / "policies/teams.yaml").open("a") as teams:  # a team whose name another team's prefixes
            teams.write(
                "  payments-orders:\n    description: Order pipeline.\n    github_team: acme/payments-orders\n"
                "    members: [erin]\n    cost_center: CC-1042\n"
            )
        arena = cls(root, where / "scratch")
        arena.scratch.mkdir()
        arena.run("render")
        git_init(root)
        return arena

    def run(self, *args: str) -> Result:
        at = 2 if args[0] in ("pr", "audit") else 1  # after the subcommand of a group
        return CliRunner().invoke(cli, [*args[:at], "--repo", str(self.root), *args[at:]])

    def git(self, *args: str) -> str:
        return run_git(self.root, *args)

    def attempt(
        self,
        writes: dict[str, str | bytes] | None = None,
        links: dict[str, str] | None = None,
        remove: tuple[str, ...] = (),
        render: bool = False,
    ) -> Outcome:
        self.git("checkout", "-q", "-B", "case", "main")
        try:
            for rel, content in (writes or {}).items():
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content if isinstance(content, bytes) else content.encode())
            for rel, points_to in (links or {}).items():
                (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
                (self.root / rel).symlink_to(points_to)
            for rel in remove:
                self.git("rm", "-q", "-r", rel)
            if render:
                self.run("render")
            self.git("add", "-A")
            self.git("commit", "-q", "--allow-empty", "-m", "case")
            validated = self.run("validate")
            out = self.scratch / "report.json"
            out.unlink(missing_ok=True)
            planned = self.run("plan", "--base", "main", "--head", "case", "--json", str(out))
            report = json.loads(out.read_text()) if out.exists() else None
            return Outcome(validated, planned, report, self.git("status", "--porcelain"))
        finally:
            self.git("checkout", "-q", "-f", "main")
            self.git("clean", "-q", "-f", "-d")
            self.git("branch", "-q", "-D", "case")


def request(
    kind: str = "Queue",
    name: str = "jobs",
    team: str = "payments",
    env: str = "dev",
    spec: str = "{}",
    description: str = "a queue for jobs",
    extra_meta: str = "",
) -> str:
    """A request whose `spec` is written on its own line as given (flow style, or anything hostile)."""
    text = request_yaml(kind, name, team, env, extra_meta=extra_meta, description=description)
    return text.replace("spec: {}\n", f"spec: {spec}\n")
