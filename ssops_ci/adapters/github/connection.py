"""How ssops-ci talks to GitHub: who it is (a GitHub App's installation, or the Actions token), and
calls that are retried on 5xx, secondary rate limits and timeouts.

Retries are ours rather than urllib3's, so that a POST is never blindly sent twice: every operation
reads the current state and writes only what is missing, which makes a repeat safe.
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
from github import Auth, Consts, Github, GithubException, GithubIntegration

from ssops_ci.model.forge import Identity
from ssops_ci.model.problems import ForgeError, SsopsError

T = TypeVar("T")
TRANSIENT = {500, 502, 503, 504}
# GitHub Actions is itself a GitHub App: the checks a workflow's GITHUB_TOKEN creates are this app's.
ACTIONS_APP_ID = 15368
ACTIONS_BOT = "github-actions[bot]"


def event_context(path: str | None = None) -> tuple[str | None, int | None]:
    """(owner/name, PR number) from the Actions event payload, when there is one."""
    path = path or os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return os.environ.get("GITHUB_REPOSITORY"), None
    try:
        event = json.loads(Path(path).read_bytes())
    except ValueError as e:
        raise SsopsError(f"{path} (GITHUB_EVENT_PATH) is not valid JSON ({e}); run inside GitHub Actions") from None
    if not isinstance(event, dict):
        raise SsopsError(f"{path} (GITHUB_EVENT_PATH) is not a JSON object; run inside GitHub Actions")
    number = (event.get("pull_request") or {}).get("number") or (event.get("inputs") or {}).get("pr")
    repo = (event.get("repository") or {}).get("full_name") or os.environ.get("GITHUB_REPOSITORY")
    return repo, int(number) if number else None


def _message(e: GithubException) -> str:
    data = e.data if isinstance(e.data, dict) else {}
    message = str(data.get("message", "") or e.data or "")
    details = [str(x.get("message", x)) if isinstance(x, dict) else str(x) for x in data.get("errors") or []]
    return "; ".join([message, *details]) if details else message


class Connection:
    """An authenticated PyGithub client for one repository, and who it acts as."""

    def __init__(
        self,
        slug: str,
        *,
        token: str | None = None,
        app_id: str | None = None,
        private_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 15,
        attempts: int = 5,
        backoff: float = 1.0,
        bot_login: str | None = None,
        paced: bool = True,
    ) -> None:
        self.slug = slug
        self.base_url = (base_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.calls = 0
        # PyGithub spaces writes a second apart, as GitHub asks of integrations to avoid secondary
        # rate limits; `paced=False` is for test doubles only.
        self._pacing = (Consts.DEFAULT_SECONDS_BETWEEN_REQUESTS, Consts.DEFAULT_SECONDS_BETWEEN_WRITES)
        self._pacing = self._pacing if paced else (0.0, 0.0)
        app_id = app_id or os.environ.get("SSOPS_APP_ID")
        private_key = private_key or os.environ.get("SSOPS_APP_PRIVATE_KEY")
        if app_id and private_key:
            self._as_app(app_id, private_key)
        else:
            self._as_token(token or os.environ.get("GITHUB_TOKEN"), bot_login or os.environ.get("SSOPS_BOT_LOGIN"))

    def _client(self, auth: Auth.Auth) -> Github:
        return Github(
            auth=auth,
            base_url=self.base_url,
            timeout=int(max(1, self.timeout)),
            retry=None,
            lazy=True,
            seconds_between_requests=self._pacing[0],
            seconds_between_writes=self._pacing[1],
        )

    def _as_token(self, token: str | None, bot_login: str | None) -> None:
        if not token:
            raise ForgeError(
                "no GitHub credentials: set SSOPS_APP_ID and SSOPS_APP_PRIVATE_KEY (a GitHub App, recommended) "
                "or GITHUB_TOKEN"
            )
        self._auth: Auth.Token | Auth.AppInstallationAuth = Auth.Token(token)
        self.gh = self._client(self._auth)
        # The workflow's GITHUB_TOKEN is GitHub Actions' installation token; its comments are github-actions[bot]'s.
        self.identity = Identity(login=bot_login or ACTIONS_BOT, kind="actions-token", app_id=ACTIONS_APP_ID)

    def _as_app(self, app_id: str, private_key: str) -> None:
        owner, _, name = self.slug.partition("/")
        app = Auth.AppAuth(int(app_id), private_key)
        integration = GithubIntegration(auth=app, base_url=self.base_url, timeout=int(max(1, self.timeout)))
        installation = self.call(
            f"find the GitHub App {app_id}'s installation on {self.slug}",
            lambda: integration.get_repo_installation(owner, name),
        )
        self._auth = app.get_installation_auth(installation.id)
        self.gh = self._client(self._auth)
        self.identity = Identity(login=f"{installation.app_slug}[bot]", kind="app", app_id=installation.app_id)

    def token(self) -> str:
        """The current token (an installation token is minted, and renewed, on demand)."""
        token = self._auth.token
        assert isinstance(token, str)
        return token

    # ------------------------------------------------------------------ resilience

    def _retry_after(self, e: GithubException, wait: float) -> float | None:
        """How long to wait before trying again, or None when the error is final."""
        message = _message(e)
        headers = {k.lower(): v for k, v in (e.headers or {}).items()}
        rate_limited = e.status in (403, 429) and ("rate limit" in message.lower() or "retry-after" in headers)
        if e.status not in TRANSIENT and not rate_limited:
            return None
        after = headers.get("retry-after")
        return max(wait, float(after)) if after and str(after).isdigit() else wait

    def call(self, what: str, fn: Callable[[], T]) -> T:
        last = ""
        for attempt in range(1, self.attempts + 1):
            wait: float | None = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311 - jitter
            try:
                self.calls += 1
                return fn()
            except GithubException as e:
                wait = self._retry_after(e, wait or 0.0)
                if wait is None:
                    raise ForgeError(f"GitHub refused to {what}: {e.status} {_message(e)}") from None
                last = f"{e.status} {_message(e)}"
            except (requests.Timeout, requests.ConnectionError) as e:
                last = f"{type(e).__name__}: {e}"
            if attempt < self.attempts:
                time.sleep(wait or 0.0)
        raise ForgeError(
            f"could not {what} after {self.attempts} attempts ({last}); GitHub may be down or unreachable "
            f"at {self.base_url}. Nothing was merged; re-run the workflow when it is back."
        )

    # ------------------------------------------------------------------ endpoints PyGithub has no object for

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def raw(self, what: str, method: str, path: str, body: Any = None, *, missing_ok: bool = False) -> Any:
        """A call PyGithub has no object for; with `missing_ok`, a 404 is None rather than an error."""

        def send() -> Any:
            kwargs: dict[str, Any] = {"input": body} if body is not None else {}
            try:
                return self.gh.requester.requestJsonAndCheck(method, self.url(path), **kwargs)[1]
            except GithubException as e:
                if missing_ok and e.status == 404:
                    return None
                raise

        return self.call(what, send)
