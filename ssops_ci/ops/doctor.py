"""`ssops-ci doctor`: are the repository settings the gate relies on actually in place?

Each check says what it found and, when it fails, how to fix it. The remote checks read branch
protection and environments, which needs an admin's token or a GitHub App with Administration:
read; a check the token cannot read says so instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from codeowners import CodeOwners

from ssops_ci.adapters.github import GitHubForge
from ssops_ci.config.teams import Teams
from ssops_ci.model.forge import RISK_CONTEXT
from ssops_ci.model.problems import ForgeError

GOVERNED = ("/templates/", "/policies/", "/ssops_ci/", "/.github/")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
PRIVILEGED_ENVIRONMENTS = ("ssops-gate", "production")


@dataclass
class Check:
    ok: bool
    what: str
    fix: str = ""
    level: Literal["warn", "fail"] = "fail"  # how bad it is when not ok

    @property
    def status(self) -> str:
        return "ok" if self.ok else self.level


def _owners_of(rules: CodeOwners, path: str) -> set[str]:
    return {owner for _, owner in rules.of(path)}


def codeowners(root: Path, teams: Teams) -> list[Check]:
    """Who GitHub will ask to review each governed folder, read as GitHub reads CODEOWNERS: globs, and
    the last matching line wins (a later `*.yaml @someone` takes templates' YAML from the platform)."""
    path = next(
        (root / p for p in (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS") if (root / p).exists()), None
    )
    if path is None:
        return [Check(False, "CODEOWNERS exists", "add .github/CODEOWNERS (see README, Hardening)")]
    rules = CodeOwners(path.read_text(encoding="utf-8", errors="replace"))
    where = path.relative_to(root)
    platform = teams.platform.mention
    # a file typical of each folder: a rule that matches only some files (*.py) is caught too
    samples = {"/templates/": "template.yaml", "/policies/": "risk.yaml", "/ssops_ci/": "x.py", "/.github/": "x.yml"}
    out = [
        Check(
            platform in _owners_of(rules, governed.strip("/") + "/" + samples.get(governed, "x")),
            f"CODEOWNERS gives {governed} to {platform}",
            f"add `{governed} {platform}` to {where}, after any broader line (the last match wins)",
        )
        for governed in GOVERNED
    ]
    for name, team in teams.teams.items():
        if name == teams.platform_team:
            continue
        folder = f"/requests/{name}/"
        out.append(
            Check(
                team.mention in _owners_of(rules, f"requests/{name}/x.yaml"),
                f"CODEOWNERS gives {folder} to {team.mention}",
                f"add `{folder} {team.mention}` to {where}, after any broader line (the last match wins)",
            )
        )
    return out


# ----------------------------------------------------------------------------- workflows (local files)


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.load(path.read_text(), Loader=yaml.BaseLoader) if path.exists() else {}  # noqa: S506 - builds nothing
    return doc if isinstance(doc, dict) else {}


def _triggers(doc: dict[str, Any]) -> set[str]:
    on = doc.get("on") or {}
    return set(on) if isinstance(on, dict) else {on} if isinstance(on, str) else set(on)


def _writes(job: dict[str, Any]) -> bool:
    perms = job.get("permissions") or {}
    return isinstance(perms, dict) and any(v == "write" for v in perms.values())


def _workflow_file(root: Path, name: str, triggers: set[str], fix: str) -> Check:
    found = _triggers(_load(root / ".github/workflows" / name))
    return Check(triggers <= found, f".github/workflows/{name} runs on {', '.join(sorted(triggers))}", fix)


def _pinned(root: Path) -> Check:
    loose = []
    for path in sorted((root / ".github/workflows").glob("*.y*ml")):
        for job in (_load(path).get("jobs") or {}).values():
            loose += [
                f"{path.name}: {s['uses']}"
                for s in job.get("steps") or []
                if "uses" in s and not s["uses"].startswith("./") and not PINNED.match(s["uses"])
            ]
    return Check(
        not loose,
        "every action in .github/workflows is pinned to a full commit SHA",
        "pin " + "; ".join(loose[:5]) + " to a commit SHA (with the version in a comment)",
    )


def _unprivileged_evaluation(root: Path) -> Check:
    doc = _load(root / ".github/workflows/evaluate.yml")
    jobs = doc.get("jobs") or {}
    text = (
        (root / ".github/workflows/evaluate.yml").read_text()
        if (root / ".github/workflows/evaluate.yml").exists()
        else ""
    )
    risky = [n for n, j in jobs.items() if _writes(j) or j.get("environment")] + (
        ["secrets"] if "secrets." in text else []
    )
    return Check(
        bool(jobs) and not risky and "pull_request_target" not in _triggers(doc),
        "evaluate.yml (which handles PR content) holds no write permission, secret or environment",
        f"keep evaluate.yml read-only; it has {', '.join(risky) or 'pull_request_target'}",
    )


def terraform_pinned(root: Path, pinned: str | None) -> list[Check]:
    """The workflows install the Terraform that policies/platform.yaml pins (the engine refuses any other)."""
    installs = [
        f"{path.name}: {(step.get('with') or {}).get('terraform_version')}"
        for path in sorted((root / ".github/workflows").glob("*.y*ml"))
        for job in (_load(path).get("jobs") or {}).values()
        for step in job.get("steps") or []
        if str(step.get("uses", "")).startswith("hashicorp/setup-terraform@")
    ]
    if not installs:
        return []
    if pinned is None:
        fix = f"set terraform.version in policies/platform.yaml to what the workflows install ({'; '.join(installs)})"
        return [Check(False, "policies/platform.yaml pins terraform.version", fix, level="warn")]
    wrong = [i for i in installs if not i.endswith(f": {pinned}")]
    return [
        Check(
            not wrong,
            f"the workflows install Terraform {pinned}, as policies/platform.yaml pins",
            f"set setup-terraform's terraform_version to {pinned} in " + "; ".join(wrong),
        )
    ]


def workflows(root: Path) -> list[Check]:
    restore = "restore it from ssops-ci (see README, Install)"
    return [
        _workflow_file(root, "evaluate.yml", {"pull_request", "pull_request_review", "workflow_dispatch"}, restore),
        _workflow_file(root, "gate.yml", {"workflow_run"}, restore),
        _workflow_file(root, "apply.yml", {"push", "workflow_dispatch"}, restore),
        _workflow_file(root, "refresh.yml", {"workflow_run", "push"}, restore),
        _unprivileged_evaluation(root),
        _pinned(root),
    ]


# ----------------------------------------------------------------------------- the repository's settings (API)


def _read(forge: GitHubForge, path: str) -> tuple[Any, str | None]:
    try:
        return forge.raw(path), None
    except ForgeError as e:
        return None, str(e)


def identity(forge: GitHubForge, app_id: str | None) -> list[Check]:
    who = forge.identity()
    if who.kind == "app":
        return [Check(True, f"ssops-ci acts as the GitHub App {who.login} (app id {who.app_id})")]
    return [
        Check(
            False,
            "ssops-ci acts as a GitHub App, so the gate cannot be forged",
            "with only GITHUB_TOKEN any workflow or person with write access can set ssops-ci/risk; "
            "create the ssops-ci GitHub App and set SSOPS_APP_ID and SSOPS_APP_PRIVATE_KEY (README, Install)",
            level="warn" if not app_id else "fail",
        )
    ]


def _required_sources(branch: dict[str, Any], rules: list[dict[str, Any]]) -> list[int | None]:
    checks = (((branch.get("protection") or {}).get("required_status_checks")) or {}).get("checks") or []
    sources = [c.get("app_id") for c in checks if c.get("context") == RISK_CONTEXT]
    for rule in rules:
        if rule.get("type") == "required_status_checks":
            params = rule.get("parameters") or {}
            sources += [
                c.get("integration_id")
                for c in params.get("required_status_checks") or []
                if c.get("context") == RISK_CONTEXT
            ]
    return sources


def required_check(forge: GitHubForge, branch: str, app_id: str | None) -> list[Check]:
    data, error = _read(forge, f"/repos/{forge.slug}/branches/{branch}")
    rules, rules_error = _read(forge, f"/repos/{forge.slug}/rules/branches/{branch}")
    if error or rules_error:
        return [Check(False, f"{branch}'s required checks can be read", str(error or rules_error))]
    sources = _required_sources(data or {}, rules or [])
    out = [
        Check(
            bool(sources),
            f"{RISK_CONTEXT} is a required check on {branch} (branch protection or a ruleset)",
            f"Settings > Rules (or Branches) > {branch}: require status check {RISK_CONTEXT}",
        )
    ]
    if sources:
        from_app = bool(app_id) and all(str(s) == str(app_id) for s in sources)
        out.append(
            Check(
                from_app,
                f"{RISK_CONTEXT} must come from the ssops-ci GitHub App",
                f"in the rule, set the source of {RISK_CONTEXT} to the ssops-ci App (app id "
                f"{app_id or 'SSOPS_APP_ID'}); from any source, anyone with write access can satisfy it",
            )
        )
    return out


def protection(forge: GitHubForge, branch: str) -> list[Check]:
    data, error = _read(forge, f"/repos/{forge.slug}/branches/{branch}/protection")
    if error:
        reach = "needs an admin token or an App with Administration: read" if " 403 " in error else error
        return [Check(False, f"{branch}'s protection can be read", reach, level="warn")]
    reviews = (data or {}).get("required_pull_request_reviews") or {}
    pushers = (data or {}).get("restrictions") or {}
    people = [u["login"] for u in pushers.get("users") or []] + [t["slug"] for t in pushers.get("teams") or []]
    needed = int(reviews.get("required_approving_review_count") or 0)
    return [
        Check(
            needed == 0,
            "low-risk pull requests can merge without an approval",
            f"{branch} requires {needed} approving review(s) on every PR, so GitHub refuses ssops-ci's low-risk "
            "merges: set the count to 0 (ssops-ci asks the owning teams per tier), or put the ssops-ci App on "
            "the ruleset's bypass list",
            level="warn",
        ),
        Check(
            bool(reviews.get("dismiss_stale_reviews")),
            "a push dismisses stale approvals",
            f"Settings > Branches > {branch}: tick 'Dismiss stale pull request approvals when new commits are pushed'",
        ),
        Check(
            bool(reviews.get("require_last_push_approval")),
            "the most recent push must be approved by someone else",
            f"Settings > Branches > {branch}: tick 'Require approval of the most recent reviewable push'",
        ),
        Check(
            bool(pushers) and not people,
            f"only the ssops-ci App can push to {branch}",
            f"Settings > Branches > {branch}: restrict who can push to the ssops-ci App "
            f"(now: {', '.join(people) or 'anyone with write access'})",
        ),
    ]


def environments(forge: GitHubForge) -> list[Check]:
    out = []
    for name in PRIVILEGED_ENVIRONMENTS:
        env, error = _read(forge, f"/repos/{forge.slug}/environments/{name}")
        policy = (env or {}).get("deployment_branch_policy") or {}
        out.append(
            Check(
                bool(policy.get("protected_branches") or policy.get("custom_branch_policies")) and not error,
                f"environment {name} is limited to the default branch",
                f"Settings > Environments > {name}: Deployment branches: the default branch only"
                + (f" ({error})" if error else ""),
            )
        )
    return out


def workflow_token(forge: GitHubForge) -> list[Check]:
    perms, error = _read(forge, f"/repos/{forge.slug}/actions/permissions/workflow")
    if error:
        return [Check(False, "the default workflow token is read-only", f"could not read the setting: {error}")]
    return [
        Check(
            perms.get("default_workflow_permissions") == "read",
            "the default workflow token is read-only",
            "Settings > Actions > General > Workflow permissions: choose 'Read repository contents'",
        ),
        Check(
            not perms.get("can_approve_pull_request_reviews"),
            "workflows cannot approve pull requests",
            "Settings > Actions > General: untick 'Allow GitHub Actions to create and approve pull requests'",
        ),
    ]


def team_members(forge: GitHubForge, teams: Teams) -> list[Check]:
    out = []
    for name, team in teams.teams.items():
        org, slug = team.github_team.split("/", 1)
        members, error = _read(forge, f"/orgs/{org}/teams/{slug}/members")
        if error:
            out.append(Check(False, f"{team.mention} exists and can be read", error))
            continue
        missing = sorted(m for m in team.members if m.lower() not in {u["login"].lower() for u in members})
        out.append(
            Check(
                not missing,
                f"policies/teams.yaml members of {name} are in {team.mention}",
                f"add {', '.join(missing)} to {team.mention} or remove them from policies/teams.yaml",
            )
        )
    return out


def remote(forge: GitHubForge, teams: Teams, app_id: str | None = None) -> list[Check]:
    repo, error = _read(forge, f"/repos/{forge.slug}")
    if error:
        return [Check(False, f"the GitHub API answers for {forge.slug}", str(error))]
    branch = repo.get("default_branch", "main")
    out = [Check(True, f"{forge.slug} is reachable (default branch {branch})")]
    out += identity(forge, app_id) + required_check(forge, branch, app_id) + protection(forge, branch)
    return out + environments(forge) + workflow_token(forge) + team_members(forge, teams)
