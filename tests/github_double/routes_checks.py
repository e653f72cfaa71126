"""Commit statuses, check runs and check suites, with GitHub's rule that only apps make check runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.github_double.calls import NOT_FOUND, Call, Reply, paged
from tests.github_double.state import CheckRun, Event, Identity, now


class CheckRoutes:
    url: str
    statuses: dict[str, list[dict[str, Any]]]
    check_runs: dict[int, CheckRun]
    events: list[Event]
    _ids: Iterator[int]

    def sha(self, branch: str) -> str: ...
    def status(self, s: dict[str, Any]) -> dict[str, Any]: ...
    def combined(self, sha: str, statuses: list[dict[str, Any]]) -> dict[str, Any]: ...
    def check_run(self, run: CheckRun) -> dict[str, Any]: ...
    def check_suite(self, sha: str, app_id: int, runs: list[CheckRun]) -> dict[str, Any]: ...
    def app(self, app_id: int) -> dict[str, Any]: ...
    def actions_app_id(self) -> int: ...

    def _ref(self, ref: str) -> str:
        return ref if re.fullmatch(r"[0-9a-f]{40}", ref) else self.sha(ref)

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
        return 201, self.status(entry)

    def combined_status(self, c: Call) -> Reply:
        sha = self._ref(c.p["ref"])
        return 200, self.combined(sha, self.statuses.get(sha, []))

    def _apply(self, run: CheckRun, body: dict[str, Any]) -> None:
        run.status = body.get("status", "completed" if "conclusion" in body else run.status)
        run.conclusion = body.get("conclusion", run.conclusion)
        run.details_url = body.get("details_url", run.details_url)
        output = body.get("output") or {}
        run.title, run.summary = output.get("title", run.title), output.get("summary", run.summary)
        if run.status == "completed" and run.completed_at is None:
            run.completed_at = now()

    def _completed(self, run: CheckRun, who: Identity) -> None:
        if run.status == "completed":
            suite = self.check_suite(run.head_sha, run.app_id, self._runs(run.head_sha, app_id=run.app_id))
            self.events.append(
                Event(
                    "check_suite", {"action": "completed", "check_suite": suite}, who, run.head_sha, "refs/heads/main"
                )
            )

    def create_check_run(self, c: Call) -> Reply:
        if c.who.app_id is None:
            # GitHub's documented rule: only GitHub Apps create check runs, never people or OAuth tokens.
            return 403, {
                "message": "You must authenticate via a GitHub App.",
                "documentation_url": "https://docs.github.com/rest",
            }
        run = CheckRun(next(self._ids), c.body["name"], c.body["head_sha"], c.who.app_id)
        self._apply(run, c.body)
        self.check_runs[run.id] = run
        self._completed(run, c.who)
        return 201, self.check_run(run)

    def get_check_run(self, c: Call) -> Reply:
        run = self.check_runs.get(int(c.p["check_run_id"]))
        return (200, self.check_run(run)) if run else NOT_FOUND

    def update_check_run(self, c: Call) -> Reply:
        run = self.check_runs.get(int(c.p["check_run_id"]))
        if run is None:
            return NOT_FOUND
        if run.app_id != c.who.app_id:
            return 403, {
                "message": f"Invalid app_id `{c.who.app_id}`",
                "documentation_url": "https://docs.github.com/rest",
            }
        was = run.status
        self._apply(run, c.body)
        if was != "completed" or "conclusion" in c.body:
            self._completed(run, c.who)
        return 200, self.check_run(run)

    def _runs(self, sha: str, *, app_id: int | None = None, name: str | None = None) -> list[CheckRun]:
        runs = [r for r in self.check_runs.values() if r.head_sha == sha]
        return [r for r in runs if (app_id is None or r.app_id == app_id) and (name is None or r.name == name)]

    def list_check_runs(self, c: Call) -> Reply:
        sha = self._ref(c.p["ref"])
        app_id = int(c.query["app_id"]) if c.query.get("app_id") else None
        runs = sorted(self._runs(sha, app_id=app_id, name=c.query.get("check_name")), key=lambda r: -r.id)
        if c.query.get("filter", "latest") == "latest":
            seen: set[tuple[str, int]] = set()
            runs = [r for r in runs if (r.name, r.app_id) not in seen and not seen.add((r.name, r.app_id))]  # type: ignore[func-returns-value]
        if c.query.get("status"):
            runs = [r for r in runs if r.status == c.query["status"]]
        page, headers = paged(c, self.url, [self.check_run(r) for r in runs])
        return 200, {"total_count": len(runs), "check_runs": page}, headers

    def list_check_suites(self, c: Call) -> Reply:
        sha = self._ref(c.p["ref"])
        by_app: dict[int, list[CheckRun]] = {}
        for r in self._runs(sha):
            by_app.setdefault(r.app_id, []).append(r)
        suites = [self.check_suite(sha, app, runs) for app, runs in sorted(by_app.items())]
        return 200, {"total_count": len(suites), "check_suites": suites}
