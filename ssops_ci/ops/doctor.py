"""`ssops-ci doctor`: are the repository settings the gate relies on actually in place?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ssops_ci.adapters.github import GitHubForge
from ssops_ci.config.teams import Teams
from ssops_ci.model.forge import RISK_CONTEXT
from ssops_ci.model.problems import ForgeError

GOVERNED = ("/templates/", "/policies/", "/ssops_ci/", "/.github/")


@dataclass
class Check:
    ok: bool
    what: str
    fix: str = ""


def codeowners(root: Path, teams: Teams) -> list[Check]:
    path = next(
        (root / p for p in (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS") if (root / p).exists()), None
    )
    if path is None:
        return [Check(False, "CODEOWNERS exists", "add .github/CODEOWNERS (see README, Hardening)")]
    rules: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *names = line.split()
            rules[pattern] = set(names)
    out = []
    platform = teams.platform.mention
    for governed in GOVERNED:
        owners = rules.get(governed, set())
        out.append(
            Check(
                platform in owners,
                f"CODEOWNERS gives {governed} to {platform}",
                f"add `{governed} {platform}` to {path.relative_to(root)}",
            )
        )
    for name, team in teams.teams.items():
        folder = f"/requests/{name}/"
        if name == teams.platform_team:
            continue
        out.append(
            Check(
                team.mention in rules.get(folder, set()),
                f"CODEOWNERS gives {folder} to {team.mention}",
                f"add `{folder} {team.mention}` to {path.relative_to(root)}",
            )
        )
    return out


def remote(forge: GitHubForge, teams: Teams) -> list[Check]:
    out: list[Check] = []
    try:
        repo = forge.raw(f"/repos/{forge.slug}")
    except ForgeError as e:
        return [Check(False, f"the GitHub API answers for {forge.slug}", str(e))]
    branch = repo.get("default_branch", "main")
    out.append(Check(True, f"{forge.slug} is reachable (default branch {branch})"))
    b = forge.raw(f"/repos/{forge.slug}/branches/{branch}")
    contexts = (((b.get("protection") or {}).get("required_status_checks")) or {}).get("contexts") or []
    out.append(
        Check(
            bool(b.get("protected")),
            f"{branch} is protected",
            f"Settings > Branches: add a protection rule for {branch}",
        )
    )
    out.append(
        Check(
            RISK_CONTEXT in contexts,
            f"{RISK_CONTEXT} is a required status check on {branch}",
            f"Settings > Branches > {branch}: require status check {RISK_CONTEXT}",
        )
    )
    try:
        perms = forge.raw(f"/repos/{forge.slug}/actions/permissions/workflow")
        read_only = perms.get("default_workflow_permissions") == "read"
        out.append(
            Check(
                read_only,
                "the default workflow token is read-only",
                "Settings > Actions > General > Workflow permissions: choose 'Read repository contents'",
            )
        )
        out.append(
            Check(
                not perms.get("can_approve_pull_request_reviews"),
                "workflows cannot approve pull requests",
                "Settings > Actions > General: untick 'Allow GitHub Actions to create and approve pull requests'",
            )
        )
    except ForgeError as e:
        out.append(Check(False, "the default workflow token is read-only", f"could not read the setting: {e}"))
    for name, team in teams.teams.items():
        org, slug = team.github_team.split("/", 1)
        try:
            members = {m["login"].lower() for m in forge.raw(f"/orgs/{org}/teams/{slug}/members")}
        except ForgeError as e:
            out.append(Check(False, f"{team.mention} exists", str(e)))
            continue
        missing = sorted(m for m in team.members if m.lower() not in members)
        out.append(
            Check(
                not missing,
                f"policies/teams.yaml members of {name} are in {team.mention}",
                f"add {', '.join(missing)} to {team.mention} or remove them from policies/teams.yaml",
            )
        )
    return out


def workflows(root: Path) -> list[Check]:
    out = []
    for name, trigger in (
        ("evaluate.yml", "pull_request_target"),
        ("review.yml", "pull_request_review"),
        ("apply.yml", "push"),
    ):
        path = root / ".github/workflows" / name
        text = path.read_text() if path.exists() else ""
        out.append(
            Check(trigger in text, f".github/workflows/{name} runs on {trigger}", f"restore {name} from ssops-ci")
        )
    evaluate = root / ".github/workflows/evaluate.yml"
    if evaluate.exists():
        bad = re.search(r"ref:\s*\$\{\{\s*github\.event\.pull_request\.head", evaluate.read_text())
        out.append(
            Check(
                not bad,
                "evaluate.yml never checks out the pull request's code",
                "check out the base branch only; fetch the PR head as data",
            )
        )
    return out
