"""The GitHub Actions run a command is part of: its event payload and its run's URL."""

from __future__ import annotations

import json
import os
import re
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


PR_EVENTS = ("pull_request", "pull_request_review")
# evaluate.yml names its runs after the pull request (`run-name`): a dispatched run's head is the
# default branch, so its title is the only place the workflow_run payload says which PR it evaluated.
_TITLE_PR = re.compile(r"#(\d+)\s*$")


def evaluated_head(run: dict[str, Any]) -> str | None:
    """The PR head an evaluation ran on, when its event says (runs started by a pull request event)."""
    return str(run["head_sha"]) if run.get("event") in PR_EVENTS and run.get("head_sha") else None


def evaluated_pr(run: dict[str, Any]) -> int | None:
    """The PR a dispatched evaluation was for, from its run name."""
    m = _TITLE_PR.search(str(run.get("display_title") or ""))
    return int(m.group(1)) if m else None


def run_url(run_id: object | None = None) -> str | None:
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    run = run_id or os.environ.get("GITHUB_RUN_ID")
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def audit_event(triggering_event: str | None) -> str:
    """The audit trail's name for what the evaluation answered: a review, or a change to the PR."""
    return "review" if triggering_event == "pull_request_review" else "evaluate"
