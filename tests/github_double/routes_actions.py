"""GitHub Actions through the API: starting a workflow by hand, and a run's artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from tests.github_double.calls import NOT_FOUND, Call, Reply
from tests.github_double.state import Artifact, Event, WorkflowRun


class ActionRoutes:
    url: str
    runs: dict[int, WorkflowRun]
    artifacts: dict[int, Artifact]
    events: list[Event]
    _ids: Iterator[int]

    def workflow_file(self, ref: str, name: str) -> str | None: ...
    def resolve(self, ref: str) -> str: ...
    def repo_url(self) -> str: ...
    def artifact(self, a: Artifact, head_sha: str) -> dict[str, Any]: ...

    def dispatch(self, c: Call) -> Reply:
        ref = c.body["ref"].removeprefix("refs/heads/")
        text = self.workflow_file(ref, c.p["workflow_id"])
        if text is None:
            return NOT_FOUND
        on = yaml.load(text, Loader=yaml.BaseLoader).get("on") or {}  # noqa: S506 - BaseLoader builds nothing
        if not isinstance(on, dict) or "workflow_dispatch" not in on:
            return 422, {"message": "Workflow does not have 'workflow_dispatch' trigger"}
        declared = ((on.get("workflow_dispatch") or {}) or {}).get("inputs") or {}
        given = c.body.get("inputs") or {}
        unexpected = sorted(set(given) - set(declared))
        if unexpected:
            return 422, {"message": f"Unexpected inputs provided: {unexpected}"}
        missing = sorted(k for k, v in declared.items() if str(v.get("required")) == "true" and k not in given)
        if missing:
            return 422, {"message": f"Required input '{missing[0]}' not provided"}
        payload = {"inputs": given, "ref": f"refs/heads/{ref}", "workflow": f".github/workflows/{c.p['workflow_id']}"}
        self.events.append(Event("workflow_dispatch", payload, c.who, self.resolve(ref), f"refs/heads/{ref}"))
        return 204, None

    def list_run_artifacts(self, c: Call) -> Reply:
        run = self.runs.get(int(c.p["run_id"]))
        if run is None:
            return NOT_FOUND
        items = [self.artifact(self.artifacts[a], run.head_sha) for a in run.artifacts.values()]
        if c.query.get("name"):
            items = [a for a in items if a["name"] == c.query["name"]]
        return 200, {"total_count": len(items), "artifacts": items}

    def download_artifact(self, c: Call) -> Reply:
        artifact = self.artifacts.get(int(c.p["artifact_id"]))
        if artifact is None or c.p["archive_format"] != "zip":
            return NOT_FOUND
        return 302, None, {"Location": f"{self.url}/_blobs/{artifact.id}?sig=double"}

    def blob(self, artifact_id: int, headers: dict[str, str]) -> tuple[int, bytes]:
        """The signed download URL: it is not the API, and it refuses a request that carries a token."""
        if any(k.lower() == "authorization" for k in headers):
            return 400, b"<Error><Code>InvalidAuthenticationInfo</Code></Error>"
        artifact = self.artifacts.get(artifact_id)
        return (200, artifact.data) if artifact else (404, b"")
