"""The audit trail: an append-only JSON Lines log of every decision and action (filled in by the apply stage)."""

from __future__ import annotations

from typing import Any

import git


class NullAudit:
    def emit(self, event: str, **fields: Any) -> None:
        return None


def for_repo(repo: git.Repo) -> NullAudit:
    return NullAudit()
