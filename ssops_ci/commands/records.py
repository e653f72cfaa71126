"""Which store a command keeps its records in, from the environment (SSOPS_STORE and the Actions run)."""

from __future__ import annotations

import os

from ssops_ci.adapters.git import GitRepository
from ssops_ci.adapters.stores.base import this_process
from ssops_ci.commands.forge import report_url
from ssops_ci.ops import wiring


def open_records(repository: GitRepository) -> wiring.Records:
    """SSOPS_STORE: `git` (default), `git:local`, `git:REMOTE` or a `postgresql://` URL. On a runner the git
    store publishes to origin with GITHUB_TOKEN (the job needs `contents: write`)."""
    return wiring.records(
        repository,
        url=os.environ.get("SSOPS_STORE") or "git",
        token=os.environ.get("GITHUB_TOKEN") or None,
        name=os.environ.get("GITHUB_REPOSITORY") or None,
        owner=this_process(report_url()),
        webhook=os.environ.get("SSOPS_AUDIT_WEBHOOK") or None,
        actor=os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "ssops-ci",
    )
