"""A stateful GitHub REST API over HTTP on 127.0.0.1, backed by a real git repository.

Every request it receives and every response it sends is checked against GitHub's
OpenAPI description; tests fail on any shape the real API would reject. Faults
(5xx, secondary rate limits, timeouts, a push before a merge) are injected on
demand.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import git

from ssops_ci.adapters.gitmerge import MergeConflict, merge_into
from tests.github_double.spec import Spec

_SPEC: Spec | None = None
# Endpoints outside the shared subset that `ssops-ci doctor` uses; their shapes follow GitHub's
# documentation but cannot be validated against the subset.
UNVALIDATED = {("GET", re.compile(r"^/repos/[^/]+/[^/]+/actions/permissions/workflow$"))}


def spec() -> Spec:
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec()
    return _SPEC


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int = 502
    times: int = 1
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})


@dataclass
class PR:
    number: int
    head: str
    base: str
    author: str
    title: str
    fork: bool = False
    state: str = "open"
    merged: bool = False
    merge_sha: str | None = None
    head_sha_at_close: str | None = None
    labels: list[str] = field(default_factory=list)
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)


def _too_long() -> dict[str, Any]:
    """What GitHub answers for a comment over its limit."""
    return {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            }
        ],
        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
    }


NOT_FOUND = (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
Reply = tuple[int, Any]
# What a simple pull request (the answer to a review request) leaves out of a full one.
_NOT_IN_SIMPLE_PR = {
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
}


@dataclass
class Call:
    """One request to an operation: its path parameters, JSON body and the token's user."""

    p: dict[str, str]
    body: Any
    user: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubDouble:
    def __init__(self, origin: git.Repo, owner: str = "acme", name: str = "ssops") -> None:
        self.origin = origin
        self.owner, self.name = owner, name
        self.tokens = {"ci-token": "github-actions[bot]"}
        self.prs: dict[int, PR] = {}
        self.comments: dict[int, dict[str, Any]] = {}  # id -> {issue, body, user}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.required_contexts: list[str] = []
        self.protected = False
        self.team_members: dict[str, list[str]] = {}
        self.workflow_permissions = "write"
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

    def open_pr(self, head: str, author: str, base: str = "main", title: str = "", fork: bool = False) -> int:
        with self._lock:
            number = len(self.prs) + 1
            self.prs[number] = PR(number, head, base, author, title or head, fork=fork)
            return number

    def review(self, number: int, user: str, state: str = "APPROVED", commit_id: str | None = None) -> None:
        with self._lock:
            pr = self.prs[number]
            pr.reviews.append(
                {
                    "user": user,
                    "state": state,
                    "commit_id": commit_id or self.sha(pr.head),
                    "id": next(self._ids),
                    "submitted_at": _now(),
                }
            )

    def fail(self, method: str, path: str, **kw: Any) -> Fault:
        fault = Fault(method, re.compile(path), **kw)
        self.faults.append(fault)
        return fault

    def sha(self, branch: str) -> str:
        return self.origin.git.rev_parse(f"refs/heads/{branch}")

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def latest_status(self, sha: str, context: str) -> dict[str, Any] | None:
        found = [s for s in self.statuses.get(sha, []) if s["context"] == context]
        return found[-1] if found else None

    # ------------------------------------------------------------------ JSON shapes (from the spec's examples)

    def _user(self, login: str) -> dict[str, Any]:
        u = spec().example("pull-request")["user"]
        uid = abs(hash(login)) % 10**7
        u.update(
            login=login,
            id=uid,
            node_id=f"U_{uid}",
            url=f"{self.url}/users/{login}",
            html_url=f"https://github.example/{login}",
            type="Bot" if login.endswith("[bot]") else "User",
        )
        return u

    def _repo_url(self) -> str:
        return f"{self.url}/repos/{self.owner}/{self.name}"

    def _pr_json(self, pr: PR) -> dict[str, Any]:
        head_sha = pr.head_sha_at_close or self.sha(pr.head)
        example = json.dumps(spec().example("pull-request"))
        # The example's own number and head SHA appear inside its URLs; make them ours.
        example = example.replace("/1347", f"/{pr.number}").replace(
            "6dcb09b5b57875f334f61aebed695e2e4193db5e", head_sha
        )
        d = json.loads(example)
        url = f"{self._repo_url()}/pulls/{pr.number}"
        d.update(
            url=url,
            id=1000 + pr.number,
            number=pr.number,
            state="closed" if pr.state != "open" else "open",
            title=pr.title,
            user=self._user(pr.author),
            html_url=f"https://github.example/{self.owner}/{self.name}/pull/{pr.number}",
            labels=[self._label(lb) for lb in pr.labels],
            merged=pr.merged,
            merge_commit_sha=pr.merge_sha,
            mergeable=pr.state == "open",
            requested_reviewers=[self._user(u) for u in pr.requested_users],
            requested_teams=[self._team(t) for t in pr.requested_teams],
            comments=len(self.comments_on(pr.number)),
        )
        d["merged_at"] = _now() if pr.merged else None
        d["closed_at"] = _now() if pr.state != "open" else None
        d["merged_by"] = self._user("github-actions[bot]") if pr.merged else None
        for side, ref, sha in (("head", pr.head, head_sha), ("base", pr.base, self.sha(pr.base))):
            d[side]["ref"], d[side]["sha"], d[side]["label"] = ref, sha, f"{self.owner}:{ref}"
            d[side]["repo"]["full_name"] = f"{self.owner}/{self.name}"
            d[side]["repo"]["name"] = self.name
            d[side]["repo"]["url"] = self._repo_url()
        if pr.fork:
            d["head"]["repo"]["full_name"] = f"{pr.author}/{self.name}"
            d["head"]["repo"]["url"] = f"{self.url}/repos/{pr.author}/{self.name}"
        return d

    def _label(self, name: str) -> dict[str, Any]:
        lb = spec().example("label-items")[0]
        lb.update(name=name, id=abs(hash(name)) % 10**7, url=f"{self._repo_url()}/labels/{urllib.parse.quote(name)}")
        return lb

    def _team(self, slug: str) -> dict[str, Any]:
        t = spec().example("simple-pull-request-review-request")["teams"][0]
        t.update(slug=slug, name=slug, type="organization")
        return t

    def _comment(self, cid: int) -> dict[str, Any]:
        c = spec().example("issue-comment")
        data = self.comments[cid]
        c.update(
            id=cid,
            node_id=f"C_{cid}",
            body=data["body"],
            user=self._user(data["user"]),
            url=f"{self._repo_url()}/issues/comments/{cid}",
            issue_url=f"{self._repo_url()}/issues/{data['issue']}",
        )
        return c

    def _status(self, s: dict[str, Any]) -> dict[str, Any]:
        out = spec().example("status")
        out.update(
            state=s["state"],
            context=s["context"],
            description=s.get("description"),
            target_url=s.get("target_url"),
            id=s["id"],
            creator=self._user(s["creator"]),
        )
        return out

    def _combined(self, sha: str) -> dict[str, Any]:
        latest: dict[str, dict[str, Any]] = {}
        for s in self.statuses.get(sha, []):
            latest[s["context"]] = s
        states = [s["state"] for s in latest.values()]
        state = (
            "failure"
            if any(x in ("failure", "error") for x in states)
            else "pending"
            if not states or "pending" in states
            else "success"
        )
        out = spec().example("combined-commit-status")
        template = out["statuses"][0]
        out["statuses"] = []
        for s in latest.values():
            item = copy.deepcopy(template)
            item.update(
                state=s["state"],
                context=s["context"],
                description=s.get("description"),
                target_url=s.get("target_url"),
                id=s["id"],
            )
            out["statuses"].append(item)
        out.update(state=state, sha=sha, total_count=len(latest))
        return out

    def _review(self, r: dict[str, Any], number: int) -> dict[str, Any]:
        out = spec().example("pull-request-review-items")[0]
        out.update(
            id=r["id"],
            user=self._user(r["user"]),
            state=r["state"],
            commit_id=r["commit_id"],
            submitted_at=r["submitted_at"],
            pull_request_url=f"{self._repo_url()}/pulls/{number}",
        )
        return out

    # ------------------------------------------------------------------ routing

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _respond(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, payload, headers = double.handle(
                    self.command, parsed.path, query, body, self.headers.get("Authorization", "")
                )
                data = b"" if payload is None else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (an injected timeout)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _respond

        return Handler

    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, auth: str
    ) -> tuple[int, Any, dict[str, str]]:
        path = urllib.parse.unquote(path)
        for fault in list(self.faults):
            if fault.method == method and fault.path.search(path) and fault.times > 0:
                fault.times -= 1
                if fault.delay:
                    time.sleep(fault.delay)
                self.calls.append((method, path, fault.status))
                return fault.status, fault.body, fault.headers  # injected: not validated, not a spec response
        token = auth.split(" ", 1)[-1]
        user = self.tokens.get(token)
        if user is None:
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}
        if any(m == method and rx.match(path) for m, rx in UNVALIDATED):
            self.calls.append((method, path, 200))
            return (
                200,
                {"default_workflow_permissions": self.workflow_permissions, "can_approve_pull_request_reviews": False},
                {},
            )
        found = spec().route(method, path)
        if found is None:
            self.violations.append(f"{method} {path}: not an operation of the OpenAPI subset")
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        route, params = found
        errors = spec().request_errors(route, params, query, body)
        if errors:
            self.violations.extend(f"{method} {path}: {e}" for e in errors)
            return (
                422,
                {"message": "Validation Failed", "errors": errors, "documentation_url": "https://docs.github.com/rest"},
                {},
            )
        try:
            with self._lock:
                status, payload = self._dispatch(method, route.template, params, body, user)
        except Exception as e:  # a bug in the double: make it loud
            import traceback

            self.violations.append(f"{method} {path}: the double crashed: {traceback.format_exc()}")
            return 500, {"message": f"double crashed: {e}"}, {}
        payload = self._localise(payload)
        problems = spec().response_errors(route, status, payload)
        self.violations.extend(f"{method} {path} -> {status}: {p}" for p in problems)
        self.calls.append((method, path, status))
        return status, payload, {}

    def _localise(self, node: Any) -> Any:
        """Point every API URL in an example payload at this double (PyGithub follows them)."""
        if isinstance(node, str):
            return node.replace("https://api.github.com/repos/octocat/Hello-World", self._repo_url()).replace(
                "https://api.github.com", self.url
            )
        if isinstance(node, dict):
            return {k: self._localise(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._localise(v) for v in node]
        return node

    def _pr(self, params: dict[str, str], key: str = "pull_number") -> PR | None:
        return self.prs.get(int(params[key]))

    # ------------------------------------------------------------------ operations, one handler each

    def _dispatch(self, method: str, t: str, p: dict[str, str], body: Any, user: str) -> tuple[int, Any]:
        if (p.get("owner"), p.get("repo")) not in ((self.owner, self.name), (None, None)):
            return NOT_FOUND
        handler = ROUTES.get((method, t))
        if handler is None:
            return NOT_FOUND
        return handler(self, Call(p, body, user))

    def get_repo(self, c: Call) -> Reply:
        d = spec().example("full-repository-default-response")
        d.update(
            name=self.name,
            full_name=f"{self.owner}/{self.name}",
            default_branch="main",
            url=self._repo_url(),
            language="HCL",
            fork=False,
        )
        for fork_only in ("source", "parent"):  # the example is a fork whose source lacks `language`
            d.pop(fork_only, None)
        return 200, d

    def get_branch(self, c: Call) -> Reply:
        try:
            sha = self.sha(c.p["branch"])
        except git.GitCommandError:
            return NOT_FOUND
        d = spec().example("branch-get")
        d.update(name=c.p["branch"], protected=self.protected)
        d["commit"]["sha"] = sha
        d["protection"]["enabled"] = self.protected
        d["protection"]["required_status_checks"]["contexts"] = list(self.required_contexts)
        return 200, d

    def get_pull(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (200, self._pr_json(pr)) if pr else NOT_FOUND

    def list_comments(self, c: Call) -> Reply:
        pr = self._pr(c.p, "issue_number")
        if pr is None:
            return NOT_FOUND
        return 200, [self._comment(cid) for cid, cm in self.comments.items() if cm["issue"] == pr.number]

    def create_comment(self, c: Call) -> Reply:
        pr = self._pr(c.p, "issue_number")
        if pr is None:
            return NOT_FOUND
        if len(c.body["body"]) > 65_536:
            return 422, _too_long()
        cid = next(self._ids)
        self.comments[cid] = {"issue": pr.number, "body": c.body["body"], "user": c.user}
        return 201, self._comment(cid)

    def list_labels(self, c: Call) -> Reply:
        pr = self._pr(c.p, "issue_number")
        return (200, [self._label(lb) for lb in pr.labels]) if pr else NOT_FOUND

    def add_labels(self, c: Call) -> Reply:
        pr = self._pr(c.p, "issue_number")
        if pr is None:
            return NOT_FOUND
        names = c.body if isinstance(c.body, list) else c.body.get("labels", [])
        for n in names:
            n = n["name"] if isinstance(n, dict) else n
            if n not in pr.labels:
                pr.labels.append(n)
        return 200, [self._label(lb) for lb in pr.labels]

    def remove_label(self, c: Call) -> Reply:
        pr = self._pr(c.p, "issue_number")
        if pr is None:
            return NOT_FOUND
        if c.p["name"] not in pr.labels:
            return 404, {"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest"}
        pr.labels.remove(c.p["name"])
        return 200, [self._label(lb) for lb in pr.labels]

    def get_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        return (200, self._comment(cid)) if cid in self.comments else NOT_FOUND

    def update_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        if cid not in self.comments:
            return NOT_FOUND
        if len(c.body["body"]) > 65_536:
            return 422, _too_long()
        if self.comments[cid]["user"] != c.user:
            return 403, {"message": "Must have admin rights", "documentation_url": "https://docs.github.com/rest"}
        self.comments[cid]["body"] = c.body["body"]
        return 200, self._comment(cid)

    def delete_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        if cid not in self.comments:
            return NOT_FOUND
        del self.comments[cid]
        return 204, None

    def create_status(self, c: Call) -> Reply:
        entry = {
            "state": c.body["state"],
            "context": c.body.get("context", "default"),
            "description": c.body.get("description"),
            "target_url": c.body.get("target_url"),
            "id": next(self._ids),
            "creator": c.user,
        }
        self.statuses.setdefault(c.p["sha"], []).append(entry)
        return 201, self._status(entry)

    def combined_status(self, c: Call) -> Reply:
        ref = c.p["ref"]
        sha = ref if re.fullmatch(r"[0-9a-f]{40}", ref) else self.sha(ref)
        return 200, self._combined(sha)

    def request_reviewers(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        if pr.author in c.body.get("reviewers", []):
            return 422, {
                "message": "Review cannot be requested from pull request author.",
                "documentation_url": "https://docs.github.com/rest",
            }
        pr.requested_users += [u for u in c.body.get("reviewers", []) if u not in pr.requested_users]
        pr.requested_teams += [tm for tm in c.body.get("team_reviewers", []) if tm not in pr.requested_teams]
        return 201, {k: v for k, v in self._pr_json(pr).items() if k not in _NOT_IN_SIMPLE_PR}

    def list_requested_reviewers(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        d = spec().example("simple-pull-request-review-request")
        d["users"] = [self._user(u) for u in pr.requested_users]
        d["teams"] = [self._team(tm) for tm in pr.requested_teams]
        return 200, d

    def list_reviews(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (200, [self._review(r, pr.number) for r in pr.reviews]) if pr else NOT_FOUND

    def check_merged(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (204, None) if pr and pr.merged else NOT_FOUND

    def _unmet_requirements(self, head: str) -> list[str]:
        if not self.protected:
            return []
        latest = {s["context"]: s["state"] for s in self._combined(head)["statuses"]}
        return [ctx for ctx in self.required_contexts if latest.get(ctx) != "success"]

    def merge(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        if pr.state != "open":
            return 405, {"message": "Pull Request is not mergeable"}
        if self.before_merge is not None:
            hook, self.before_merge = self.before_merge, None
            hook(pr)
        head = self.sha(pr.head)
        if c.body and c.body.get("sha") and c.body["sha"] != head:
            return 409, {"message": "Head branch was modified. Review and try the merge again."}
        missing = self._unmet_requirements(head)
        if missing:
            return 405, {"message": f"Required status check {missing[0]!r} is expected."}
        title = (c.body or {}).get("commit_title") or f"Merge #{pr.number}"
        try:
            merged = merge_into(self.origin, pr.base, head, title, pr.author)
        except MergeConflict:
            return 405, {"message": "Pull Request is not mergeable"}
        pr.state, pr.merged, pr.merge_sha, pr.head_sha_at_close = "closed", True, merged, head
        return 200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"}

    def list_team_members(self, c: Call) -> Reply:
        return 200, [self._user(u) for u in self.team_members.get(c.p["team_slug"], [])]

    def get_user(self, c: Call) -> Reply:
        d = spec().example("public-user-default-response")
        d.update(login=c.p["username"])
        return 200, d


Handler = Callable[[GitHubDouble, Call], Reply]
_R = "/repos/{owner}/{repo}"
ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", _R): GitHubDouble.get_repo,
    ("GET", f"{_R}/branches/{{branch}}"): GitHubDouble.get_branch,
    ("GET", f"{_R}/pulls/{{pull_number}}"): GitHubDouble.get_pull,
    ("GET", f"{_R}/issues/{{issue_number}}/comments"): GitHubDouble.list_comments,
    ("POST", f"{_R}/issues/{{issue_number}}/comments"): GitHubDouble.create_comment,
    ("GET", f"{_R}/issues/{{issue_number}}/labels"): GitHubDouble.list_labels,
    ("POST", f"{_R}/issues/{{issue_number}}/labels"): GitHubDouble.add_labels,
    ("DELETE", f"{_R}/issues/{{issue_number}}/labels/{{name}}"): GitHubDouble.remove_label,
    ("GET", f"{_R}/issues/comments/{{comment_id}}"): GitHubDouble.get_comment,
    ("PATCH", f"{_R}/issues/comments/{{comment_id}}"): GitHubDouble.update_comment,
    ("DELETE", f"{_R}/issues/comments/{{comment_id}}"): GitHubDouble.delete_comment,
    ("POST", f"{_R}/statuses/{{sha}}"): GitHubDouble.create_status,
    ("GET", f"{_R}/commits/{{ref}}/status"): GitHubDouble.combined_status,
    ("POST", f"{_R}/pulls/{{pull_number}}/requested_reviewers"): GitHubDouble.request_reviewers,
    ("GET", f"{_R}/pulls/{{pull_number}}/requested_reviewers"): GitHubDouble.list_requested_reviewers,
    ("GET", f"{_R}/pulls/{{pull_number}}/reviews"): GitHubDouble.list_reviews,
    ("GET", f"{_R}/pulls/{{pull_number}}/merge"): GitHubDouble.check_merged,
    ("PUT", f"{_R}/pulls/{{pull_number}}/merge"): GitHubDouble.merge,
    ("GET", "/orgs/{org}/teams/{team_slug}/members"): GitHubDouble.list_team_members,
    ("GET", "/users/{username}"): GitHubDouble.get_user,
}
