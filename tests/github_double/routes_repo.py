"""The repository, its branches' protection and rules, GitHub Apps' installations, people."""

from __future__ import annotations

import secrets
import subprocess
from typing import Any

import git

from tests.github_double.calls import NOT_FOUND, Call, Reply
from tests.github_double.spec import spec
from tests.github_double.state import LEVELS, Identity


class RepoRoutes:
    owner: str
    name: str
    origin: git.Repo
    protected: bool
    required_contexts: list[str]
    required_checks: list[tuple[str, int | None]]
    review_rules: dict[str, Any]
    restrictions: dict[str, list[str]]
    rules: list[dict[str, Any]]
    roles: dict[str, str]
    team_members: dict[str, list[str]]
    apps: dict[int, Any]
    tokens: dict[str, Identity]

    def sha(self, branch: str) -> str: ...
    def repo_url(self) -> str: ...
    def user(self, login: str) -> dict[str, Any]: ...
    def app(self, app_id: int) -> dict[str, Any]: ...
    def actions_app_id(self) -> int: ...

    def get_repo(self, c: Call) -> Reply:
        d = spec().example("full-repository-default-response")
        d.update(
            name=self.name,
            full_name=f"{self.owner}/{self.name}",
            default_branch="main",
            url=self.repo_url(),
            language="HCL",
            fork=False,
        )
        for fork_only in ("source", "parent"):  # the example is a fork whose source lacks `language`
            d.pop(fork_only, None)
        return 200, d

    def _status_checks(self) -> dict[str, Any]:
        return {
            "enforcement_level": "non_admins" if self.protected else "off",
            "contexts": [*self.required_contexts, *(c for c, _ in self.required_checks)],
            "checks": [{"context": c, "app_id": None} for c in self.required_contexts]
            + [{"context": c, "app_id": a} for c, a in self.required_checks],
        }

    def get_branch(self, c: Call) -> Reply:
        try:
            sha = self.sha(c.p["branch"])
        except git.GitCommandError:
            return NOT_FOUND
        d = spec().example("branch-get")
        d.update(name=c.p["branch"], protected=self.protected)
        d["commit"]["sha"] = sha
        d["protection"] = {"enabled": self.protected, "required_status_checks": self._status_checks()}
        return 200, d

    def get_protection(self, c: Call) -> Reply:
        if not self.protected or c.p["branch"] != "main":
            return 404, {"message": "Branch not protected", "documentation_url": "https://docs.github.com/rest"}
        url = f"{self.repo_url()}/branches/main/protection"
        checks = {"url": f"{url}/required_status_checks", "strict": True, **self._status_checks()}
        checks["contexts_url"] = f"{url}/required_status_checks/contexts"
        users = [self.user(u) for u in self.restrictions.get("users", [])]
        apps = [self.app(a) for a in self.apps if self.apps[a].slug in self.restrictions.get("apps", [])]
        return 200, {
            "url": url,
            "required_status_checks": checks,
            "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": True},
            "required_pull_request_reviews": {
                "url": f"{url}/required_pull_request_reviews",
                "dismiss_stale_reviews": False,
                "require_code_owner_reviews": False,
                **self.review_rules,
            },
            "restrictions": {
                "url": f"{url}/restrictions",
                "users_url": f"{url}/restrictions/users",
                "teams_url": f"{url}/restrictions/teams",
                "apps_url": f"{url}/restrictions/apps",
                "users": users,
                "teams": [],
                "apps": apps,
            },
        }

    def get_branch_rules(self, c: Call) -> Reply:
        if c.p["branch"] != "main":
            return 200, []
        return 200, [
            {"ruleset_source_type": "Repository", "ruleset_source": f"{self.owner}/{self.name}", "ruleset_id": 7, **r}
            for r in self.rules
        ]

    def get_installation(self, c: Call) -> Reply:
        app = self.apps.get(c.who.app_id or 0)
        if app is None:
            return NOT_FOUND
        d = spec().example("installation")
        d.update(id=app.installation_id, app_id=app.app_id, app_slug=app.slug, permissions=app.permissions)
        d["access_tokens_url"] = (
            f"{self.repo_url().split('/repos/')[0]}/app/installations/{app.installation_id}/access_tokens"
        )
        return 200, d

    def create_installation_token(self, c: Call) -> Reply:
        app = self.apps.get(c.who.app_id or 0)
        if app is None or int(c.p["installation_id"]) != app.installation_id:
            return NOT_FOUND
        token = "ghs_" + secrets.token_hex(18)
        self.tokens[token] = Identity(f"{app.slug}[bot]", "app", app.app_id, dict(app.permissions))
        d = spec().example("installation-token")
        d.update(token=token, permissions=app.permissions, repository_selection="selected")
        d.pop("repositories", None)
        return 201, d

    def collaborator_permission(self, c: Call) -> Reply:
        role = self.roles.get(c.p["username"], "none")
        d = spec().example("repository-collaborator-permission-response-if-user-has-admin-permissions")
        # GitHub folds the finer roles into the four levels: maintain reads as write, triage as read
        permission = {"maintain": "write", "triage": "read"}.get(role, role if role in LEVELS else "none")
        order = ["read", "triage", "write", "maintain", "admin"]
        rank = order.index(role) if role in order else -1
        user = self.user(c.p["username"]) | {
            "role_name": role,
            "permissions": {
                p: rank >= order.index(need)
                for p, need in zip(("pull", "triage", "push", "maintain", "admin"), order, strict=True)
            },
        }
        d.update(permission=permission, role_name=role, user=user)
        return 200, d

    def list_team_members(self, c: Call) -> Reply:
        return 200, [self.user(u) for u in self.team_members.get(c.p["team_slug"], [])]

    def get_user(self, c: Call) -> Reply:
        d = spec().example("public-user-default-response")
        d.update(login=c.p["username"])
        return 200, d

    def compare(self, c: Call) -> Reply:
        base, _, head = c.p["basehead"].partition("...")
        try:
            merge_base = self.origin.git.merge_base(self.resolve(base), self.resolve(head))
        except (git.GitCommandError, ValueError):
            return NOT_FOUND
        d = spec().example("commit-comparison")
        files = self.diff_entries(merge_base, self.resolve(head))
        d.update(status="ahead", files=files, total_commits=1, ahead_by=1, behind_by=0)
        return 200, d

    def resolve(self, ref: str) -> str:
        return str(self.origin.git.rev_parse(ref if len(ref) == 40 else f"refs/heads/{ref}"))

    def diff_entries(self, old: str, new: str) -> list[dict[str, Any]]:
        out = subprocess.run(
            ["git", "diff", "--name-status", "-M", old, new],
            cwd=self.origin.git_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        template = spec().example("diff-entry-items")[0]
        names = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "T": "changed"}
        entries = []
        for line in out.splitlines():
            status, *paths = line.split("\t")
            entry = dict(template, filename=paths[-1], status=names.get(status[0], "modified"))
            entry.pop("patch", None)
            if status.startswith("R"):
                entry["previous_filename"] = paths[0]
            entries.append(entry)
        return entries
