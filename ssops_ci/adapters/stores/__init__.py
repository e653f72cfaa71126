"""The two stores behind the Store port, and the one place that picks between them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import Store


def open_store(
    url: str,
    root: Path,
    *,
    remotes: list[str],
    token: str | None = None,
    name: str = "",
    owner: dict[str, Any] | None = None,
) -> Store:
    """`git` (the records ref of this repository, published to `origin` when it has one), `git:local` (never
    published), `git:REMOTE`, or a `postgresql://` URL (one database for many repositories, keyed by `name`)."""
    if url.startswith(("postgresql://", "postgres://")):
        from ssops_ci.adapters.stores.postgres import PostgresStore

        return PostgresStore(url, name, owner=owner)
    kind, _, where = url.partition(":")
    if kind != "git":
        raise SsopsError(f"SSOPS_STORE={url!r}: use git, git:local, git:REMOTE or a postgresql:// URL")
    remote = None if where == "local" else (where or ("origin" if "origin" in remotes else None))
    if remote and remote not in remotes:
        have = ", ".join(remotes) or "none"
        raise SsopsError(f"SSOPS_STORE={url!r}: this repository has no remote {remote!r} (it has: {have})")
    from ssops_ci.adapters.stores.git import GitStore

    return GitStore(root, remote=remote, token=token, owner=owner)
