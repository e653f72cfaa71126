"""A stateful GitHub REST API over HTTP on 127.0.0.1, backed by a real git repository.

Every request it receives and every response it sends is checked against GitHub's OpenAPI
description; tests fail on any shape the real API would reject. It models what GitHub enforces
and a convenient fake would skip: which token may do what (a workflow's GITHUB_TOKEN only what
its job's `permissions:` grant, a GitHub App what it was installed with, a person what their
role allows), that only apps create check runs, that a required check can name the app it must
come from, that branch protection and rulesets refuse a merge, and that events a GITHUB_TOKEN
causes start no workflow. Faults (5xx, secondary rate limits, timeouts, a push before a merge)
are injected on demand.
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import git
import jwt

from ssops_ci.adapters.gitmerge import MergeConflict, merge_into
from tests.github_double.calls import NOT_FOUND, Call, Reply
from tests.github_double.pushes import Tokens, install_hook
from tests.github_double.routes_actions import ActionRoutes
from tests.github_double.routes_checks import CheckRoutes
from tests.github_double.routes_deployments import Deployment, DeploymentRoutes
from tests.github_double.routes_issues import IssueRoutes
from tests.github_double.routes_pulls import PullRoutes
from tests.github_double.routes_repo import RepoRoutes
from tests.github_double.shapes import Shapes
from tests.github_double.spec import spec
from tests.github_double.state import (
    ACTIONS_APP_ID,
    PR,
    ROLE_SCOPES,
    App,
    Artifact,
    CheckRun,
    Event,
    Identity,
    Issue,
    WorkflowRun,
    now,
)

# Endpoints outside the shared subset that `ssops-ci doctor` reads; their shapes follow GitHub's
# documentation but cannot be validated against the subset.
UNVALIDATED = {
    ("GET", re.compile(r"^/repos/[^/]+/[^/]+/actions/permissions/workflow$")),
    ("GET", re.compile(r"^/repos/[^/]+/[^/]+/environments/[^/]+$")),
}
# Every write scope a workflow job can be granted (what the tests' plain "ci-token" holds).
ALL_WORKFLOW_SCOPES = {
    s: "write" for s in ("contents", "pull_requests", "issues", "checks", "statuses", "actions", "deployments")
} | {"metadata": "read"}
ANY = ("metadata", "read")


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int = 502
    times: int = 1
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})
    after: bool = False  # the operation happens, then its answer is lost (a proxy's 502 after the merge)


class GitHubDouble(Shapes, RepoRoutes, PullRoutes, IssueRoutes, CheckRoutes, ActionRoutes, DeploymentRoutes):
    def __init__(self, origin: git.Repo, owner: str = "acme", name: str = "ssops") -> None:
        self.origin = origin
        self.owner, self.name = owner, name
        git_dir = Path(origin.git_dir)
        self.tokens: dict[str, Identity] = Tokens(
            git_dir,
            lambda who: {"login": who.login, "contents": who.scopes.get("contents", "none")},
            {"ci-token": Identity("github-actions[bot]", "actions", ACTIONS_APP_ID, dict(ALL_WORKFLOW_SCOPES))},
        )
        install_hook(git_dir, f"{owner}/{name}")
        self.roles: dict[str, str] = {}  # login -> read | triage | write | maintain | admin
        self.apps: dict[int, App] = {}
        self.prs: dict[int, PR] = {}
        self.comments: dict[int, dict[str, Any]] = {}  # id -> {issue, body, user}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.runs: dict[int, WorkflowRun] = {}
        self.artifacts: dict[int, Artifact] = {}
        self.issues: dict[int, Issue] = {}
        self.deployments: dict[int, Deployment] = {}
        self.events: list[Event] = []
        self.protected = False
        self.required_contexts: list[str] = []  # from any source
        self.required_checks: list[tuple[str, int | None]] = []  # (context, app that must set it)
        self.review_rules: dict[str, Any] = {}
        self.restrictions: dict[str, list[str]] = {}
        self.rules: list[dict[str, Any]] = []  # rules of rulesets that apply to main
        self.team_members: dict[str, list[str]] = {}
        self.workflow_permissions = "write"
        self.environments: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.before_merge: Callable[[PR], None] | None = None
        self.violations: list[str] = []
        self.calls: list[tuple[str, str, int]] = []
        self._ids = iter(range(1000, 10**9))
        self._lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle and test API

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> GitHubDouble:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def person(self, login: str, role: str = "write") -> str:
        """A collaborator and a token of theirs (a personal access token with their role's reach)."""
        self.roles[login] = role
        token = f"{login}-token"
        scopes = dict(ROLE_SCOPES.get(role, ROLE_SCOPES["read"]))
        self.tokens[token] = Identity(login, "user", None, scopes)
        return token

    def install_app(self, app_id: int, slug: str, public_key: str, permissions: dict[str, str]) -> App:
        app = App(app_id, slug, public_key, 40_000 + app_id, permissions)
        self.apps[app_id] = app
        return app

    def job_token(self, scopes: dict[str, str]) -> str:
        """A workflow job's GITHUB_TOKEN, holding what its `permissions:` grant."""
        token = f"ghs_job{next(self._ids)}"
        self.tokens[token] = Identity("github-actions[bot]", "actions", ACTIONS_APP_ID, {**scopes, "metadata": "read"})
        return token

    def open_pr(
        self, head: str, author: str, base: str = "main", title: str = "", fork: bool = False, draft: bool = False
    ) -> int:
        with self._lock:
            number = len(self.prs) + 1
            self.prs[number] = PR(number, head, base, author, title or head, fork=fork, draft=draft)
            self._pull_ref(number)
            self._pr_event(number, "opened", author)
            return number

    def pushed(self, branch: str, before: str | None, who: str) -> None:
        """A developer pushed `branch`: a push event, and `synchronize` for the pull requests it heads."""
        with self._lock:
            after = self.sha(branch)
            self.events.append(
                Event(
                    "push",
                    {"ref": f"refs/heads/{branch}", "before": before or "0" * 40, "after": after},
                    self._person(who),
                    after,
                    f"refs/heads/{branch}",
                )
            )
            for pr in self.prs.values():
                if pr.head == branch and pr.state == "open":
                    self._pull_ref(pr.number)
                    self._pr_event(pr.number, "synchronize", who)

    def review(self, number: int, user: str, state: str = "APPROVED", commit_id: str | None = None) -> None:
        with self._lock:
            pr = self.prs[number]
            pr.reviews.append(
                {
                    "user": user,
                    "state": state,
                    "commit_id": commit_id or self.sha(pr.head),
                    "id": next(self._ids),
                    "submitted_at": now(),
                }
            )
            payload = {
                "action": "submitted",
                "review": {"state": state.lower(), "user": {"login": user}},
                "pull_request": self.pr_json(pr),
                "repository": self._repository(),
            }
            self.events.append(
                Event(
                    "pull_request_review", payload, self._person(user), self.sha(pr.head), f"refs/pull/{number}/merge"
                )
            )

    def ready_for_review(self, number: int) -> None:
        with self._lock:
            self.prs[number].draft = False
            self._pr_event(number, "ready_for_review", self.prs[number].author)

    def fail(self, method: str, path: str, **kw: Any) -> Fault:
        fault = Fault(method, re.compile(path), **kw)
        self.faults.append(fault)
        return fault

    def sha(self, branch: str) -> str:
        return str(self.origin.git.rev_parse(f"refs/heads/{branch}"))

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def latest_status(self, sha: str, context: str) -> dict[str, Any] | None:
        found = [s for s in self.statuses.get(sha, []) if s["context"] == context]
        return found[-1] if found else None

    def gate_state(self, sha: str, app_id: int | None = None) -> dict[str, Any] | None:
        """The ssops-ci/risk check run on `sha` as state and description (what a reviewer sees in the merge box)."""
        run = self.latest_check(sha, "ssops-ci/risk", app_id)
        if run is None:
            return None
        state = {"success": "success", "failure": "failure"}.get(str(run.conclusion), "pending")
        return {"state": state if run.status == "completed" else "pending", "description": run.title, "app": run.app_id}

    def latest_check(self, sha: str, name: str, app_id: int | None = None) -> CheckRun | None:
        runs = [r for r in self.check_runs.values() if r.head_sha == sha and r.name == name]
        runs = [r for r in runs if app_id is None or r.app_id == app_id]
        return max(runs, key=lambda r: r.id) if runs else None

    # ------------------------------------------------------------------ what other parts need of the state

    def _person(self, login: str) -> Identity:
        return Identity(login, "user", None, dict(ROLE_SCOPES.get(self.roles.get(login, "write"), {})))

    def _repository(self) -> dict[str, Any]:
        return {"full_name": f"{self.owner}/{self.name}", "default_branch": "main", "name": self.name}

    def _pull_ref(self, number: int) -> None:
        pr = self.prs[number]
        self.origin.git.update_ref(f"refs/pull/{number}/head", self.sha(pr.head))

    def _pr_event(self, number: int, action: str, who: str) -> None:
        pr = self.prs[number]
        payload = {
            "action": action,
            "number": number,
            "pull_request": self.pr_json(pr),
            "repository": self._repository(),
        }
        self.events.append(
            Event("pull_request", payload, self._person(who), self.sha(pr.head), f"refs/pull/{number}/merge")
        )

    def merge_base(self, a: str, b: str) -> str:
        return str(self.origin.git.merge_base(a, b))

    def merge_commit(self, pr: PR, head: str, title: str) -> str | None:
        try:
            return merge_into(self.origin, pr.base, head, title, pr.author)
        except MergeConflict:
            return None

    def push_event(self, branch: str, before: str, after: str, who: Identity) -> None:
        payload = {"ref": f"refs/heads/{branch}", "before": before, "after": after, "repository": self._repository()}
        self.events.append(Event("push", payload, who, after, f"refs/heads/{branch}"))

    def workflow_file(self, ref: str, name: str) -> str | None:
        try:
            return str(self.origin.git.show(f"{self.resolve(ref)}:.github/workflows/{name}"))
        except git.GitCommandError:
            return None

    # ------------------------------------------------------------------ authentication and permissions

    def _app_by_jwt(self, token: str) -> Identity | None:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            app = self.apps.get(int(claims["iss"]))
            if app is None:
                return None
            jwt.decode(token, app.public_key, algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]})
        except (jwt.PyJWTError, KeyError, ValueError):
            return None
        if int(claims["exp"]) - int(claims["iat"]) > 660:  # GitHub: at most ten minutes (and a minute's skew)
            return None
        return Identity(app.slug, "app", app.app_id, {}, jwt=True)

    def _identity(self, auth: str) -> Identity | None:
        token = auth.split(" ", 1)[-1]
        if token.count(".") == 2:
            return self._app_by_jwt(token)
        return self.tokens.get(token)

    # ------------------------------------------------------------------ HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8"))
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (an injected timeout)

            def _respond(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if parsed.path.startswith("/_blobs/"):
                    status, blob = double.blob(int(parsed.path.rsplit("/", 1)[-1]), dict(self.headers))
                    self._send(status, blob, {"Content-Type": "application/zip"})
                    return
                query = dict(urllib.parse.parse_qsl(parsed.query))
                body = json.loads(raw) if raw else None
                status, payload, headers = double.handle(
                    self.command, parsed.path, query, body, self.headers.get("Authorization", "")
                )
                self._send(status, b"" if payload is None else json.dumps(payload).encode(), dict(headers))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _respond

        return Handler

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.path.search(path) and fault.times > 0:
                fault.times -= 1
                if fault.delay:
                    time.sleep(fault.delay)
                return fault
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, auth: str
    ) -> tuple[int, Any, dict[str, str]]:
        path = urllib.parse.unquote(path)
        fault = self._fault(method, path)
        if fault and fault.after:
            self.handle(method, path, query, body, auth)
        if fault:
            self.calls.append((method, path, fault.status))
            return fault.status, fault.body, fault.headers  # injected: not validated, not a spec response
        who = self._identity(auth)
        if who is None:
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}
        if any(m == method and rx.match(path) for m, rx in UNVALIDATED):
            self.calls.append((method, path, 200))
            return 200, self._unvalidated(path), {}
        found = spec().route(method, path)
        if found is None:
            self.violations.append(f"{method} {path}: not an operation of the OpenAPI subset")
            return 404, NOT_FOUND[1], {}
        route, params = found
        errors = spec().request_errors(route, params, query, body)
        if errors:
            self.violations.extend(f"{method} {path}: {e}" for e in errors)
            return 422, {"message": "Validation Failed", "errors": errors}, {}
        return self._operate(method, path, route.template, params, query, body, who)

    def _operate(
        self,
        method: str,
        path: str,
        template: str,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
        who: Identity,
    ) -> tuple[int, Any, dict[str, str]]:
        handler, needs = ROUTES.get((method, template), (None, ANY))
        denied = self._denied(who, needs)
        if denied is not None:
            # GitHub answers any operation a token's permissions do not cover with 403, whether or not the
            # operation's description lists it; so this answer is not checked against the description.
            self.calls.append((method, path, 403))
            return 403, {"message": denied, "documentation_url": "https://docs.github.com/rest"}, {}
        if handler is None or (params.get("owner"), params.get("repo")) not in ((self.owner, self.name), (None, None)):
            return 404, NOT_FOUND[1], {}
        reply = self._run(handler, Call(params, body, who, query, path), method, path)
        status, payload = reply[0], self._localise(reply[1])
        headers = reply[2] if len(reply) == 3 else {}  # type: ignore[misc]
        route, _ = spec().route(method, path) or (None, None)
        if route is not None and status not in (403,):
            self.violations.extend(
                f"{method} {path} -> {status}: {p}" for p in spec().response_errors(route, status, payload)
            )
        self.calls.append((method, path, status))
        return status, payload, headers

    def _run(self, handler: Callable[[Any, Call], Reply], c: Call, method: str, path: str) -> Reply:
        try:
            with self._lock:
                return handler(self, c)
        except Exception as e:  # a bug in the double: make it loud
            self.violations.append(f"{method} {path}: the double crashed: {traceback.format_exc()}")
            return 500, {"message": f"double crashed: {e}"}

    @staticmethod
    def _denied(who: Identity, needs: tuple[str, str] | tuple[tuple[str, str], ...] | str) -> str | None:
        if needs == "jwt":
            return None if who.jwt else "A JSON web token could not be decoded"
        if who.jwt:
            return "This endpoint requires an installation access token, not the app's JWT"
        options = needs if isinstance(needs[0], tuple) else (needs,)
        if any(who.may(scope, level) for scope, level in options):  # type: ignore[misc]
            return None
        return "Resource not accessible by integration" if who.kind != "user" else "Must have push access to repository"

    def _unvalidated(self, path: str) -> dict[str, Any]:
        if path.endswith("/actions/permissions/workflow"):
            return {
                "default_workflow_permissions": self.workflow_permissions,
                "can_approve_pull_request_reviews": False,
            }
        name = path.rsplit("/", 1)[-1]
        env = self.environments.get(name, {})
        return {
            "name": name,
            "protection_rules": env.get("protection_rules", []),
            "deployment_branch_policy": env.get("deployment_branch_policy"),
        }

    def _localise(self, node: Any) -> Any:
        """Point every API URL in an example payload at this double (PyGithub follows them)."""
        if isinstance(node, str):
            return node.replace("https://api.github.com/repos/octocat/Hello-World", self.repo_url()).replace(
                "https://api.github.com", self.url
            )
        if isinstance(node, dict):
            return {k: self._localise(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._localise(v) for v in node]
        return node


_R = "/repos/{owner}/{repo}"
_PR_READ = (("pull_requests", "read"), ("issues", "read"))
_PR_WRITE = (("pull_requests", "write"), ("issues", "write"))
ROUTES: dict[tuple[str, str], tuple[Callable[[Any, Call], Reply], Any]] = {
    ("GET", _R): (GitHubDouble.get_repo, ANY),
    ("GET", f"{_R}/branches/{{branch}}"): (GitHubDouble.get_branch, ANY),
    ("GET", f"{_R}/branches/{{branch}}/protection"): (GitHubDouble.get_protection, ("administration", "read")),
    ("GET", f"{_R}/rules/branches/{{branch}}"): (GitHubDouble.get_branch_rules, ANY),
    ("GET", f"{_R}/installation"): (GitHubDouble.get_installation, "jwt"),
    ("POST", "/app/installations/{installation_id}/access_tokens"): (GitHubDouble.create_installation_token, "jwt"),
    ("GET", f"{_R}/collaborators/{{username}}/permission"): (GitHubDouble.collaborator_permission, ANY),
    ("GET", "/orgs/{org}/teams/{team_slug}/members"): (GitHubDouble.list_team_members, ("members", "read")),
    ("GET", "/users/{username}"): (GitHubDouble.get_user, ANY),
    ("GET", f"{_R}/compare/{{basehead}}"): (GitHubDouble.compare, ("contents", "read")),
    ("GET", f"{_R}/pulls"): (GitHubDouble.list_pulls, ("pull_requests", "read")),
    ("GET", f"{_R}/pulls/{{pull_number}}"): (GitHubDouble.get_pull, ("pull_requests", "read")),
    ("GET", f"{_R}/pulls/{{pull_number}}/files"): (GitHubDouble.list_files, ("pull_requests", "read")),
    ("GET", f"{_R}/pulls/{{pull_number}}/reviews"): (GitHubDouble.list_reviews, ("pull_requests", "read")),
    ("POST", f"{_R}/pulls/{{pull_number}}/requested_reviewers"): (
        GitHubDouble.request_reviewers,
        ("pull_requests", "write"),
    ),
    ("GET", f"{_R}/pulls/{{pull_number}}/requested_reviewers"): (
        GitHubDouble.list_requested_reviewers,
        ("pull_requests", "read"),
    ),
    ("GET", f"{_R}/pulls/{{pull_number}}/merge"): (GitHubDouble.check_merged, ("pull_requests", "read")),
    ("PUT", f"{_R}/pulls/{{pull_number}}/merge"): (GitHubDouble.merge, ("contents", "write")),
    ("GET", f"{_R}/issues/{{issue_number}}/comments"): (GitHubDouble.list_comments, _PR_READ),
    ("POST", f"{_R}/issues/{{issue_number}}/comments"): (GitHubDouble.create_comment, _PR_WRITE),
    ("GET", f"{_R}/issues/comments/{{comment_id}}"): (GitHubDouble.get_comment, _PR_READ),
    ("PATCH", f"{_R}/issues/comments/{{comment_id}}"): (GitHubDouble.update_comment, _PR_WRITE),
    ("DELETE", f"{_R}/issues/comments/{{comment_id}}"): (GitHubDouble.delete_comment, _PR_WRITE),
    ("GET", f"{_R}/issues/{{issue_number}}/labels"): (GitHubDouble.list_labels, _PR_READ),
    ("POST", f"{_R}/issues/{{issue_number}}/labels"): (GitHubDouble.add_labels, _PR_WRITE),
    ("DELETE", f"{_R}/issues/{{issue_number}}/labels/{{name}}"): (GitHubDouble.remove_label, _PR_WRITE),
    ("GET", f"{_R}/issues"): (GitHubDouble.list_issues, ("issues", "read")),
    ("POST", f"{_R}/issues"): (GitHubDouble.create_issue, ("issues", "write")),
    ("PATCH", f"{_R}/issues/{{issue_number}}"): (GitHubDouble.update_issue, ("issues", "write")),
    ("POST", f"{_R}/statuses/{{sha}}"): (GitHubDouble.create_status, ("statuses", "write")),
    ("GET", f"{_R}/commits/{{ref}}/status"): (GitHubDouble.combined_status, ("statuses", "read")),
    ("POST", f"{_R}/check-runs"): (GitHubDouble.create_check_run, ("checks", "write")),
    ("GET", f"{_R}/check-runs/{{check_run_id}}"): (GitHubDouble.get_check_run, ("checks", "read")),
    ("PATCH", f"{_R}/check-runs/{{check_run_id}}"): (GitHubDouble.update_check_run, ("checks", "write")),
    ("GET", f"{_R}/commits/{{ref}}/check-runs"): (GitHubDouble.list_check_runs, ("checks", "read")),
    ("GET", f"{_R}/commits/{{ref}}/check-suites"): (GitHubDouble.list_check_suites, ("checks", "read")),
    ("POST", f"{_R}/actions/workflows/{{workflow_id}}/dispatches"): (GitHubDouble.dispatch, ("actions", "write")),
    ("POST", f"{_R}/deployments"): (GitHubDouble.create_deployment, ("deployments", "write")),
    ("GET", f"{_R}/deployments"): (GitHubDouble.list_deployments, ("deployments", "read")),
    ("POST", f"{_R}/deployments/{{deployment_id}}/statuses"): (
        GitHubDouble.create_deployment_status,
        ("deployments", "write"),
    ),
    ("GET", f"{_R}/deployments/{{deployment_id}}/statuses"): (
        GitHubDouble.list_deployment_statuses,
        ("deployments", "read"),
    ),
    ("GET", f"{_R}/actions/runs/{{run_id}}/artifacts"): (GitHubDouble.list_run_artifacts, ("actions", "read")),
    ("GET", f"{_R}/actions/artifacts/{{artifact_id}}/{{archive_format}}"): (
        GitHubDouble.download_artifact,
        ("actions", "read"),
    ),
}
