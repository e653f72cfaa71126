"""Which workflows an event starts, by GitHub's documented rules (shared by the simulator and the
workflow tests, so both read the same rules)."""

from __future__ import annotations

import fnmatch
from typing import Any

# Events caused with a workflow's GITHUB_TOKEN start no workflow, except these (GitHub's guard against
# recursive runs). workflow_run is GitHub reporting a finished run, not something the token did; its own
# guard is the chain limit below.
TOKEN_MAY_START = ("workflow_dispatch", "repository_dispatch", "workflow_run")
# "You can't use workflow_run to chain together more than three levels of workflows."
WORKFLOW_RUN_LEVELS = 3
# These use the workflow file of the commit the event is about (a pull request's own copy);
# every other event uses the default branch's copy.
OWN_COPY = ("push", "pull_request", "pull_request_review", "workflow_dispatch")
DEFAULT_TYPES = {"pull_request": ["opened", "synchronize", "reopened"]}


def triggers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    on = doc.get("on") or {}
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {k: {} for k in on}
    return {k: (v or {}) if isinstance(v, dict) else {} for k, v in on.items()}


def _matches(event: str, payload: dict[str, Any], file: str, spec: dict[str, Any]) -> bool:
    types = spec.get("types") or DEFAULT_TYPES.get(event)
    if event == "push":
        branch = str(payload.get("ref", "")).removeprefix("refs/heads/")
        return any(fnmatch.fnmatchcase(branch, b) for b in spec.get("branches") or ["*"])
    if event == "workflow_dispatch":
        return str(payload.get("workflow", "")).endswith(f"/{file}")
    if event == "workflow_run" and payload["workflow_run"]["name"] not in (spec.get("workflows") or []):
        return False
    return not types or payload.get("action") in types


def started(workflows: dict[str, dict[str, Any]], event: str, payload: dict[str, Any], actor_kind: str) -> list[str]:
    """The workflow files `event` starts, given the files of the copy it uses."""
    if actor_kind == "actions" and event not in TOKEN_MAY_START:
        return []
    return sorted(
        file
        for file, doc in workflows.items()
        if event in triggers(doc) and _matches(event, payload, file, triggers(doc)[event])
    )
