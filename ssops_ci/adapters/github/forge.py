"""The Forge port on GitHub. Every operation is safe to repeat: it reads the current state and writes only
what is missing, so a retry or a re-run of the workflow never duplicates a comment, label, check or request."""

from __future__ import annotations

from typing import Any

from github import GithubException
from github.PullRequest import PullRequest as GhPullRequest
from github.Repository import Repository

from ssops_ci.adapters.github.connection import Connection, _message
from ssops_ci.model.forge import CheckState, GateState, Identity, MergeResult, PullRequest, RequiredCheck, Review
from ssops_ci.stages.redact import redact

MAX_FILES = 3000  # GitHub lists at most this many files of a pull request
_CHECK_RUN = {  # gate state -> (status, conclusion)
    "success": ("completed", "success"),
    "failure": ("completed", "failure"),
    "error": ("completed", "failure"),
    "pending": ("in_progress", None),
}
_PASSING = ("success", "neutral", "skipped")


def _pull_request(pr: GhPullRequest) -> PullRequest:
    head_repo = pr.head.repo.full_name if pr.head.repo else None
    return PullRequest(
        number=pr.number,
        title=pr.title or "",
        author=pr.user.login,
        head_ref=pr.head.ref,
        head_sha=pr.head.sha,
        base_ref=pr.base.ref,
        base_sha=pr.base.sha,
        state="merged" if pr.merged else pr.state,
        is_fork=head_repo != pr.base.repo.full_name,
        draft=bool(pr.draft),
        url=pr.html_url,
    )


class GitHubForge:
    name = "github"

    def __init__(self, repo: str, token: str | None = None, **options: Any) -> None:
        self.conn = Connection(repo, token=token, **options)
        self.slug = repo
        self._repo: Repository | None = None
        self._pulls: dict[int, GhPullRequest] = {}
        self._writers: dict[str, bool] = {}

    @property
    def calls(self) -> int:
        return self.conn.calls

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.conn.gh.get_repo(self.slug)
        return self._repo

    def identity(self) -> Identity:
        return self.conn.identity

    def _pull(self, number: int) -> GhPullRequest:
        def fetch() -> GhPullRequest:
            pr = self.repo.get_pull(number)
            pr.head.sha  # noqa: B018 - completes the lazy object inside the retry
            return pr

        self._pulls[number] = self.conn.call(f"read pull request #{number}", fetch)
        return self._pulls[number]

    def _cached_pull(self, number: int) -> GhPullRequest:
        return self._pulls.get(number) or self._pull(number)

    # ------------------------------------------------------------------ reading

    def get_pr(self, number: int) -> PullRequest:
        return _pull_request(self._pull(number))

    def base_tip(self, branch: str) -> str:
        return str(self.conn.call(f"read branch {branch}", lambda: self.repo.get_branch(branch).commit.sha))

    def open_prs(self, base: str) -> list[PullRequest]:
        return self.conn.call(
            f"list the open pull requests into {base}",
            lambda: [_pull_request(p) for p in self.repo.get_pulls(state="open", base=base)],
        )

    def changed_paths(self, number: int) -> list[str] | None:
        def read() -> list[str]:
            out = []
            for f in self._cached_pull(number).get_files():
                out.append(f.filename)
                if f.previous_filename:
                    out.append(f.previous_filename)
            return out

        paths = self.conn.call(f"list the files of #{number}", read)
        # GitHub stops listing at 3,000 files: past that, what the PR touches is unknown (and treated so).
        return None if len(paths) >= MAX_FILES else sorted(set(paths))

    def reviews(self, number: int) -> list[Review]:
        def read() -> list[Review]:
            return [
                Review(
                    user=r.user.login,
                    state=r.state,
                    commit_id=r.commit_id,
                    submitted_at=r.submitted_at.isoformat() if r.submitted_at else None,
                )
                for r in self._cached_pull(number).get_reviews()
                if r.user is not None
            ]

        return self.conn.call(f"read reviews of #{number}", read)

    def can_write(self, user: str) -> bool:
        """GitHub's `permission` (admin, write, read, none; maintain reads as write) of one user, once per run."""
        if user not in self._writers:

            def read() -> bool:
                try:
                    return self.repo.get_collaborator_permission(user) in ("admin", "write")
                except GithubException as e:
                    if e.status == 404:  # not a user GitHub knows: no access
                        return False
                    raise

            self._writers[user] = bool(self.conn.call(f"read the permission of {user}", read))
        return self._writers[user]

    def required_checks(self, branch: str) -> list[RequiredCheck]:
        """From branch protection and from every ruleset that applies to the branch."""
        return self._protection_checks(branch) + self._ruleset_checks(branch)

    def _protection_checks(self, branch: str) -> list[RequiredCheck]:
        # The branch's own summary of its protection: readable with read access, unlike the protection
        # endpoint, which needs the administration permission no workflow token can have.
        data = self.conn.raw(f"read branch {branch}", "GET", f"/repos/{self.slug}/branches/{branch}")
        protection = (data or {}).get("protection") or {}
        if not protection.get("enabled"):
            return []
        checks = protection.get("required_status_checks") or {}
        found = [RequiredCheck(context=c["context"], app_id=c.get("app_id")) for c in checks.get("checks") or []]
        named = {c.context for c in found}
        return found + [RequiredCheck(context=c) for c in checks.get("contexts") or [] if c not in named]

    def _ruleset_checks(self, branch: str) -> list[RequiredCheck]:
        rules = self.conn.raw(f"read the rules of {branch}", "GET", f"/repos/{self.slug}/rules/branches/{branch}")
        return [
            RequiredCheck(context=c["context"], app_id=c.get("integration_id"))
            for rule in rules or []
            if rule.get("type") == "required_status_checks"
            for c in (rule.get("parameters") or {}).get("required_status_checks") or []
        ]

    def check_states(self, sha: str) -> list[CheckState]:
        def read() -> list[CheckState]:
            commit = self.repo.get_commit(sha)
            states = [
                CheckState(context=s.context, source="status", passed=s.state == "success", done=s.state != "pending")
                for s in commit.get_combined_status().statuses
            ]
            latest: dict[tuple[str, int | None], Any] = {}
            for run in commit.get_check_runs():  # newest first
                latest.setdefault((run.name, run.app.id if run.app else None), run)
            states += [
                CheckState(
                    context=name,
                    source="check-run",
                    passed=run.conclusion in _PASSING,
                    done=run.status == "completed",
                    app_id=app_id,
                )
                for (name, app_id), run in latest.items()
            ]
            return states

        return self.conn.call(f"read the checks of {sha[:12]}", read)

    # ------------------------------------------------------------------ writing

    def upsert_comment(self, number: int, body: str, marker: str) -> str:
        body = redact(body, (self.conn.token(),))  # whatever a comment holds, our own token never leaves
        login = self.conn.identity.login

        def upsert() -> str:
            pr = self._cached_pull(number)
            for comment in pr.get_issue_comments():
                if comment.body.startswith(marker) and comment.user.login == login:
                    if comment.body != body:
                        comment.edit(body)
                    return str(comment.id)
            return str(pr.create_issue_comment(body).id)

        return self.conn.call(f"write the comment on #{number}", upsert)

    def set_gate(self, sha: str, context: str, state: GateState, title: str, summary: str, url: str | None) -> None:
        status, conclusion = _CHECK_RUN[state]
        fields: dict[str, Any] = {"status": status, "output": {"title": title[:1000], "summary": summary[:60000]}}
        if conclusion:
            fields["conclusion"] = conclusion
        if url:
            fields["details_url"] = url
        app_id = self.conn.identity.app_id

        def write() -> None:
            ours = [
                r for r in self.repo.get_commit(sha).get_check_runs(check_name=context) if r.app and r.app.id == app_id
            ]
            if ours:
                ours[0].edit(**fields)
            else:
                self.repo.create_check_run(name=context, head_sha=sha, **fields)

        self.conn.call(f"set check {context} on {sha[:12]}", write)

    def set_status(self, sha: str, context: str, state: GateState, description: str, url: str | None = None) -> None:
        kwargs: dict[str, Any] = {"state": state, "description": description[:140], "context": context}
        if url:
            kwargs["target_url"] = url
        self.conn.call(f"set status {context} on {sha[:12]}", lambda: self.repo.get_commit(sha).create_status(**kwargs))

    def set_labels(self, number: int, labels: list[str], managed_prefix: str) -> None:
        def apply() -> None:
            pr = self._cached_pull(number)
            current = [lb.name for lb in pr.get_labels()]
            for stale in [lb for lb in current if lb.startswith(managed_prefix) and lb not in labels]:
                pr.remove_from_labels(stale)
            missing = [lb for lb in labels if lb not in current]
            if missing:
                pr.add_to_labels(*missing)

        self.conn.call(f"label #{number}", apply)

    def request_reviewers(self, number: int, teams: list[str], users: list[str]) -> None:
        def ask() -> None:
            pr = self._cached_pull(number)
            asked_users, asked_teams = pr.get_review_requests()
            have_users, have_teams = {u.login for u in asked_users}, {t.slug for t in asked_teams}
            new_teams = [s for s in (t.split("/", 1)[-1] for t in teams) if s not in have_teams]
            new_users = [u for u in users if u not in have_users]
            if new_teams or new_users:
                pr.create_review_request(reviewers=new_users, team_reviewers=new_teams)

        self.conn.call(f"request reviews on #{number}", ask)

    def merge(self, number: int, sha: str, title: str) -> MergeResult:
        def put() -> MergeResult:
            pr = self._cached_pull(number)
            try:
                status = pr.merge(merge_method="merge", sha=sha, commit_title=f"Merge pull request #{number}: {title}")
            except GithubException as e:
                if e.status not in (403, 405, 409, 422):
                    raise
                # A retry after a response that was lost finds the PR merged already: that merge is ours.
                earlier = self._merged_at(number, sha)
                if earlier is not None:
                    return earlier
                if e.status == 409:
                    return MergeResult(merged=False, head_moved=True, message=_message(e) or "the head moved")
                return MergeResult(merged=False, refused=True, message=_message(e) or f"HTTP {e.status}")
            return MergeResult(merged=bool(status.merged), sha=status.sha, message=status.message or "")

        return self.conn.call(f"merge #{number}", put)

    def start_deployment(self, sha: str, environment: str, description: str, url: str | None) -> str:
        # required_contexts=[]: GitHub would otherwise refuse (409) while any status on the commit is not
        # green, and ssops-ci/apply itself is pending now. auto_merge=False: a SHA is deployed as it is.
        body = {
            "ref": sha,
            "task": "deploy",
            "auto_merge": False,
            "required_contexts": [],
            "environment": environment,
            "description": description[:140],
            "production_environment": environment == "prod",
        }
        created = self.conn.raw(
            f"create a deployment to {environment}", "POST", f"/repos/{self.slug}/deployments", body
        )
        deployment = str(created["id"])
        self._deployment_status(deployment, environment, "in_progress", description, url)
        return deployment

    def finish_deployment(self, deployment: str, environment: str, ok: bool, description: str, url: str | None) -> None:
        self._deployment_status(deployment, environment, "success" if ok else "failure", description, url)

    def _deployment_status(
        self, deployment: str, environment: str, state: str, description: str, url: str | None
    ) -> None:
        body = {"state": state, "description": description[:140], "environment": environment, "log_url": url or ""}
        path = f"/repos/{self.slug}/deployments/{deployment}/statuses"
        self.conn.raw(f"mark deployment {deployment} {state}", "POST", path, body)

    def _merged_at(self, number: int, sha: str) -> MergeResult | None:
        fresh = self._pull(number)
        if fresh.merged and fresh.head.sha == sha:
            message = "merged by an earlier attempt whose answer was lost"
            return MergeResult(merged=True, sha=fresh.merge_commit_sha, message=message)
        return None

    def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        path = f"/repos/{self.slug}/actions/workflows/{workflow}/dispatches"
        self.conn.raw(f"start {workflow}", "POST", path, {"ref": ref, "inputs": inputs})

    # ------------------------------------------------------------------ for `ssops-ci doctor`

    def raw(self, path: str) -> Any:
        return self.conn.raw(f"read {path}", "GET", path)
