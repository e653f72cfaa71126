"""The GitHub Actions run a command is part of: its event payload and its run's URL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def payload() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def workflow_run() -> dict[str, Any]:
    """The run that started this `workflow_run` workflow (empty outside one)."""
    run = payload().get("workflow_run")
    return run if isinstance(run, dict) else {}


def run_url(run_id: object | None = None) -> str | None:
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    run = run_id or os.environ.get("GITHUB_RUN_ID")
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def audit_event(triggering_event: str | None) -> str:
    """The audit trail's name for what the evaluation answered: a review, or a change to the PR."""
    return "review" if triggering_event == "pull_request_review" else "evaluate"
