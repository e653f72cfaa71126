"""How ssops-ci talks to GitHub: who it is (a GitHub App's installation, or the Actions token), and
requests retried by PyGithub's GithubRetry (5xx, primary and secondary rate limits with Retry-After and
reset times, timeouts, refused connections).

One narrowing of it: a POST or PATCH is sent again only when GitHub refused it unprocessed (a rate limit),
never after a 5xx or a timeout, whose answer may be all that was lost; a comment or check run is then never
created twice. Such a failure ends the run with the operation named, and a re-run is safe: every operation
reads the current state first and writes only what is missing. A merge (PUT) is retried, and a retry that
finds the pull request merged at the evaluated head takes that merge as its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from github import Auth, Consts, Github, GithubException, GithubIntegration, GithubRetry
from requests.adapters import HTTPAdapter
from urllib3 import Retry

from ssops_ci.model.forge import Identity
from ssops_ci.model.problems import ForgeError, SsopsError

T = TypeVar("T")
UNSAFE = frozenset({"POST", "PATCH"})  # methods whose repeat may do the thing twice
REFUSED_UNPROCESSED = frozenset({403, 429})  # rate limits: GitHub did nothing, so a repeat is safe
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


def _reason(e: requests.RequestException) -> str:
    """The innermost cause of a requests failure (urllib3 wraps it in a MaxRetryError)."""
    inner: BaseException = e
    while inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    reason = getattr(inner, "reason", None)
    return str(reason or inner)


class OnceRetry(GithubRetry):
    """GithubRetry, except that POST and PATCH are repeated only after a rate limit (see the module)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() in UNSAFE:
            return status_code in REFUSED_UNPROCESSED and bool(self.total)
        return bool(super().is_retry(method, status_code, has_retry_after))


def retry_policy(attempts: int, backoff: float) -> OnceRetry:
    return OnceRetry(
        total=max(0, attempts - 1),
        backoff_factor=backoff,
        backoff_jitter=backoff / 2,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"GET"},  # not POST or PATCH: no repeat after a timeout
    )


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
        self.retry = retry_policy(attempts, backoff)
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
            retry=self.retry,
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
        integration = GithubIntegration(
            auth=app, base_url=self.base_url, timeout=int(max(1, self.timeout)), retry=self.retry
        )
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

    # ------------------------------------------------------------------ errors

    def session(self) -> requests.Session:
        """A plain requests session with the same retries, for the downloads PyGithub does not make."""
        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=self.retry))
        session.mount("http://", HTTPAdapter(max_retries=self.retry))
        return session

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """`fn()`, its failure said as what could not be done (the retries happened underneath)."""
        self.calls += 1
        try:
            return fn()
        except GithubException as e:
            if e.status in (500, 502, 503, 504):
                raise ForgeError(
                    f"could not {what}: GitHub answered {e.status} {_message(e)}; it may or may not have been "
                    "done, and nothing is sent twice. Re-run the workflow: each step reads the current state first."
                ) from None
            raise ForgeError(f"GitHub refused to {what}: {e.status} {_message(e)}") from None
        except requests.RequestException as e:
            raise ForgeError(
                f"could not {what} after {self.attempts} attempts ({type(e).__name__}: {_reason(e)}); GitHub may "
                f"be down or unreachable at {self.base_url}. Nothing was merged; re-run the workflow when it is back."
            ) from None

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
