"""The GitHub forge, through PyGithub.

Every operation is written to be safe to repeat: it reads the current state and
only writes what is missing, so a retry after a timeout (or a re-run of the whole
workflow) never duplicates a comment, a label or a review request. Retries are
ours rather than urllib3's, so that a POST is never blindly sent twice.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from github import Auth, Consts, Github, GithubException
from github.PullRequest import PullRequest as GhPullRequest
from github.Repository import Repository

from ssops_ci.model.forge import MergeResult, PullRequest, Review, StatusState
from ssops_ci.model.problems import ForgeError
from ssops_ci.stages.comment import redact

T = TypeVar("T")
TRANSIENT = {500, 502, 503, 504}
DEFAULT_BOT = "github-actions[bot]"


def event_context(path: str | None = None) -> tuple[str | None, int | None]:
    """(owner/name, PR number) from the Actions event payload, when there is one."""
    path = path or os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return os.environ.get("GITHUB_REPOSITORY"), None
    event = json.loads(Path(path).read_text())
    number = (event.get("pull_request") or {}).get("number") or (event.get("inputs") or {}).get("pr")
    repo = (event.get("repository") or {}).get("full_name") or os.environ.get("GITHUB_REPOSITORY")
    return repo, int(number) if number else None


class GitHubForge:
    name = "github"

    def __init__(
        self,
        repo: str,
        token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 15,
        attempts: int = 5,
        backoff: float = 1.0,
        bot_login: str | None = None,
        paced: bool = True,
    ) -> None:
        token = token or os.environ.get("GITHUB_TOKEN")
        self._token = token or ""
        if not token:
            raise ForgeError("GITHUB_TOKEN is not set; the GitHub forge needs a token with pull-request write access")
        self.base_url = (base_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        # PyGithub spaces writes a second apart, as GitHub asks of integrations to avoid secondary
        # rate limits; `paced=False` is for test doubles only.
        self.gh = Github(
            auth=Auth.Token(token),
            base_url=self.base_url,
            timeout=int(max(1, timeout)),
            retry=None,
            lazy=True,
            seconds_between_requests=Consts.DEFAULT_SECONDS_BETWEEN_REQUESTS if paced else 0.0,
            seconds_between_writes=Consts.DEFAULT_SECONDS_BETWEEN_WRITES if paced else 0.0,
        )
        self.slug = repo
        self.attempts = attempts
        self.backoff = backoff
        self.bot_login = bot_login or os.environ.get("SSOPS_BOT_LOGIN") or DEFAULT_BOT
        self.calls = 0
        self._repo: Repository | None = None
        self._pulls: dict[int, GhPullRequest] = {}

    # ------------------------------------------------------------------ resilience

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        last = ""
        for attempt in range(1, self.attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311 - jitter, not crypto
            try:
                return fn()
            except GithubException as e:
                message = (e.data or {}).get("message", "") if isinstance(e.data, dict) else str(e.data)
                rate_limited = e.status in (403, 429) and (
                    "rate limit" in str(message).lower() or "retry-after" in {k.lower() for k in (e.headers or {})}
                )
                if e.status not in TRANSIENT and not rate_limited:
                    raise ForgeError(f"GitHub refused to {what}: {e.status} {message}") from None
                retry_after = {k.lower(): v for k, v in (e.headers or {}).items()}.get("retry-after")
                if retry_after and str(retry_after).isdigit():
                    wait = max(wait, float(retry_after))
                last = f"{e.status} {message}"
            except (requests.Timeout, requests.ConnectionError) as e:
                last = f"{type(e).__name__}: {e}"
            if attempt < self.attempts:
                time.sleep(wait)
        raise ForgeError(
            f"could not {what} after {self.attempts} attempts ({last}); GitHub may be down or unreachable "
            f"at {self.base_url}. Nothing was merged; re-run the workflow when it is back."
        )

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.gh.get_repo(self.slug)
        return self._repo

    def _pull(self, number: int) -> GhPullRequest:
        def fetch() -> GhPullRequest:
            self.calls += 1
            pr = self.repo.get_pull(number)
            pr.head.sha  # noqa: B018 - completes the lazy object inside the retry
            return pr

        self._pulls[number] = self._call(f"read pull request #{number}", fetch)
        return self._pulls[number]

    def _cached_pull(self, number: int) -> GhPullRequest:
        return self._pulls.get(number) or self._pull(number)

    # ------------------------------------------------------------------ Forge protocol

    def get_pr(self, number: int) -> PullRequest:
        pr = self._pull(number)
        head_repo = pr.head.repo.full_name if pr.head.repo else None
        state = "merged" if pr.merged else pr.state
        return PullRequest(
            number=pr.number,
            title=pr.title or "",
            author=pr.user.login,
            head_ref=pr.head.ref,
            head_sha=pr.head.sha,
            base_ref=pr.base.ref,
            base_sha=pr.base.sha,
            state=state,
            is_fork=head_repo != pr.base.repo.full_name,
            url=pr.html_url,
        )

    def upsert_comment(self, number: int, body: str, marker: str) -> str:
        body = redact(body, (self._token,))  # whatever a comment holds, this job's own token never leaves

        def upsert() -> str:
            pr = self._cached_pull(number)
            self.calls += 1
            for comment in pr.get_issue_comments():
                if comment.body.startswith(marker) and comment.user.login == self.bot_login:
                    if comment.body != body:
                        self.calls += 1
                        comment.edit(body)
                    return str(comment.id)
            self.calls += 1
            return str(pr.create_issue_comment(body).id)

        return self._call(f"write the comment on #{number}", upsert)

    def set_status(self, sha: str, context: str, state: StatusState, description: str, url: str | None = None) -> None:
        def post() -> None:
            self.calls += 1
            commit = self.repo.get_commit(sha)
            kwargs: dict[str, Any] = {"state": state, "description": description[:140], "context": context}
            if url:
                kwargs["target_url"] = url
            commit.create_status(**kwargs)

        self._call(f"set status {context} on {sha[:12]}", post)

    def statuses(self, sha: str) -> dict[str, StatusState]:
        def read() -> dict[str, StatusState]:
            self.calls += 1
            combined = self.repo.get_commit(sha).get_combined_status()
            return {s.context: s.state for s in combined.statuses}  # type: ignore[misc]

        return self._call(f"read statuses of {sha[:12]}", read)

    def required_contexts(self, branch: str) -> list[str]:
        def read() -> list[str]:
            self.calls += 1
            data = self.repo.get_branch(branch).raw_data
            checks = (data.get("protection") or {}).get("required_status_checks") or {}
            return list(checks.get("contexts") or [])

        return self._call(f"read protection of {branch}", read)

    def set_labels(self, number: int, labels: list[str], managed_prefix: str) -> None:
        def apply() -> None:
            pr = self._cached_pull(number)
            self.calls += 1
            current = [lb.name for lb in pr.get_labels()]
            for stale in [lb for lb in current if lb.startswith(managed_prefix) and lb not in labels]:
                self.calls += 1
                pr.remove_from_labels(stale)
            missing = [lb for lb in labels if lb not in current]
            if missing:
                self.calls += 1
                pr.add_to_labels(*missing)

        self._call(f"label #{number}", apply)

    def request_reviewers(self, number: int, teams: list[str], users: list[str]) -> None:
        def ask() -> None:
            pr = self._cached_pull(number)
            self.calls += 1
            asked_users, asked_teams = pr.get_review_requests()
            have_users = {u.login for u in asked_users}
            have_teams = {t.slug for t in asked_teams}
            slugs = [t.split("/", 1)[-1] for t in teams]
            new_teams = [s for s in slugs if s not in have_teams]
            new_users = [u for u in users if u not in have_users]
            if new_teams or new_users:
                self.calls += 1
                pr.create_review_request(reviewers=new_users, team_reviewers=new_teams)

        self._call(f"request reviews on #{number}", ask)

    def reviews(self, number: int) -> list[Review]:
        def read() -> list[Review]:
            pr = self._cached_pull(number)
            self.calls += 1
            return [
                Review(
                    user=r.user.login,
                    state=r.state,
                    commit_id=r.commit_id,
                    submitted_at=r.submitted_at.isoformat() if r.submitted_at else None,
                )
                for r in pr.get_reviews()
                if r.user is not None
            ]

        return self._call(f"read reviews of #{number}", read)

    def merge(self, number: int, sha: str, title: str) -> MergeResult:
        def put() -> MergeResult:
            pr = self._cached_pull(number)
            self.calls += 1
            try:
                status = pr.merge(merge_method="merge", sha=sha, commit_title=f"Merge pull request #{number}: {title}")
            except GithubException as e:
                if e.status == 409:
                    return MergeResult(merged=False, head_moved=True, message="the head moved after evaluation")
                if e.status in (405, 422):
                    message = (e.data or {}).get("message", "") if isinstance(e.data, dict) else ""
                    return MergeResult(merged=False, message=f"GitHub would not merge: {message}")
                raise
            return MergeResult(merged=bool(status.merged), sha=status.sha, message=status.message or "")

        return self._call(f"merge #{number}", put)

    # ------------------------------------------------------------------ for `ssops-ci doctor`

    def raw(self, path: str) -> Any:
        def get() -> Any:
            self.calls += 1
            return self.gh.requester.requestJsonAndCheck("GET", f"{self.base_url}{path}")[1]

        return self._call(f"read {path}", get)
