"""The apply ledger: per stack, the last SHA applied (the floor) and how its latest attempt ended.

Pure functions over the ledger's documents: what an apply of a commit should do with a stack, and the
entry it leaves behind. The store keeps the documents; app/apply.py sequences them under the stack's lock.
"""

from __future__ import annotations

from typing import Any

from ssops_ci.model.apply import ApplyState

LEDGER = "ledger"  # stack id -> entry
META = "meta"  # "through" -> the newest commit an apply run went through
STATIC = "static"  # stack id -> what the static engine applied (its stand-in for a cloud)
Entry = dict[str, Any]


def started(entry: Entry | None, sha: str, *, pr: int | None, action: str, run: str | None, now: float) -> Entry:
    return {
        **(entry or {}),
        "state": "running",
        "sha": sha,
        "pr": pr,
        "action": action,
        "run": run,
        "started": now,
        "error": None,
    }


def finished(entry: Entry | None, sha: str, *, ok: bool, message: str, error: str | None, now: float) -> Entry:
    done: Entry = {**(entry or {}), "state": "applied" if ok else "failed", "sha": sha, "finished": now}
    done.update(message=message, error=error)
    if ok:
        done["applied_sha"] = sha
    return done


def settled(entry: Entry | None, sha: str, newer_live: bool) -> tuple[ApplyState, str] | None:
    """What to say instead of applying: this commit is live already, or a newer one is. None: apply it."""
    applied = (entry or {}).get("applied_sha")
    if applied == sha:
        return "already-applied", "applied by an earlier run of this commit; nothing to do"
    if applied and newer_live:
        return "superseded", f"a newer commit, {str(applied)[:12]}, is live; applying this older one would roll it back"
    return None


def retried_after(entry: Entry | None) -> str | None:
    """How the stack's previous attempt ended, when this one repeats it."""
    state = (entry or {}).get("state")
    return {"running": "interrupted", "failed": "failed"}.get(str(state))


def unsettled(ledger: dict[str, Entry]) -> dict[str, Entry]:
    """Stacks whose last attempt failed or never finished: every later apply tries them again."""
    return {sid: e for sid, e in ledger.items() if e.get("state") in ("running", "failed") and e.get("sha")}
