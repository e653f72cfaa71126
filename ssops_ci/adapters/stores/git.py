"""The git store: the records live in the repository itself, on a ref nobody merges (refs/ssops/records).

Every write is a commit on that ref, made in-process with dulwich and published by compare-and-swap:
locally an atomic ref update that succeeds only if the ref is still the commit the change was built
on; with a remote, a fast-forward-only push (a rejection means another job wrote first). On conflict
the change is built again on the new tip, so concurrent jobs never lose a write.

Layout of the ref's tree:
  audit/000001.jsonl ...  the audit chain, 100 events per file
  <table>/<key>.json      documents: ledger/<stack>.json, locks/<stack>.json, static/<stack>.json, ...
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from dulwich.errors import NotTreeError
from dulwich.file import FileLocked
from dulwich.object_store import BaseObjectStore, commit_tree_changes, tree_lookup_path
from dulwich.objects import Blob, Commit, ObjectID, Tree
from dulwich.refs import Ref
from dulwich.repo import Repo

from ssops_ci.adapters.stores.base import Locking
from ssops_ci.model.audit import AuditRead, Corruption
from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import Change
from ssops_ci.stages import chain

REF = Ref(b"refs/ssops/records")
AUDIT = "audit"
PER_FILE = 100
ATTEMPTS = 200
STALE_LOCK_SECONDS = 30.0  # a ref lock file older than this was left by a killed writer
IDENTITY = b"ssops-ci <ssops-ci@users.noreply.github.com>"

Write = tuple[str, bytes | None]  # a path in the ref's tree, and its new content (None removes it)


class Snapshot:
    """The ref's tree at one commit, read lazily."""

    def __init__(self, repo: Repo, tree: ObjectID | None) -> None:
        self.repo, self.tree = repo, tree

    def read(self, path: str) -> bytes | None:
        if self.tree is None:
            return None
        try:
            _, sha = tree_lookup_path(self.repo.object_store.__getitem__, self.tree, path.encode())
        except (KeyError, NotTreeError):
            return None
        obj = self.repo.object_store[sha]
        return obj.data if isinstance(obj, Blob) else None

    def names(self, folder: str) -> list[str]:
        """File paths under `folder`, sorted, relative to it."""
        if self.tree is None:
            return []
        try:
            _, sha = tree_lookup_path(self.repo.object_store.__getitem__, self.tree, folder.encode())
        except (KeyError, NotTreeError):
            return []
        if not isinstance(self.repo.object_store[sha], Tree):
            return []
        return sorted(e.path.decode() for e in self.repo.object_store.iter_tree_contents(sha))


def _event_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return found if isinstance(found, dict) and "event" in found else None


class GitStore(Locking):
    def __init__(
        self,
        root: Path,
        *,
        remote: str | None = None,
        token: str | None = None,
        owner: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.repo = Repo(str(root))
        self.remote = remote
        self.token = token
        self.owner = owner or {}
        self.location = f"{REF.decode()} in {root}" + (f" (published to {remote})" if remote else "")

    # ------------------------------------------------------------------ the remote

    def _git(self, *args: str) -> subprocess.CompletedProcess[str]:
        config: list[str] = []
        if self.token:
            basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
            config = ["-c", f"http.extraheader=AUTHORIZATION: basic {basic}"]
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        return subprocess.run(
            ["git", *config, *args], cwd=self.root, env=env, capture_output=True, text=True, check=False
        )

    def _said(self, out: subprocess.CompletedProcess[str]) -> str:
        text = (out.stderr or out.stdout).strip()
        return text.replace(self.token, "***") if self.token else text

    def sync(self) -> None:
        """Bring the remote's records here (they are the truth; ours are a copy)."""
        if not self.remote:
            return
        out = self._git("fetch", "-q", "--no-tags", self.remote, f"+{REF.decode()}:{REF.decode()}")
        if out.returncode and "couldn't find remote ref" not in out.stderr:
            raise SsopsError(f"could not read the records from {self.remote}: {self._said(out)}")

    def _publish(self, old: ObjectID | None, new: ObjectID) -> bool:
        """Compare-and-swap the ref to `new` if it is still `old`; False when another writer got there first."""
        if self.remote:
            out = self._git("push", "-q", "--porcelain", self.remote, f"{new.decode()}:{REF.decode()}")
            if out.returncode:
                if "rejected" in out.stdout or "rejected" in out.stderr or "fetch first" in out.stderr:
                    return False
                raise SsopsError(f"could not write the records to {self.remote}: {self._said(out)}")
            self.repo.refs.set_if_equals(REF, None, new)
            return True
        return self._cas_local(old, new)

    def _cas_local(self, old: ObjectID | None, new: ObjectID) -> bool:
        try:
            return self.repo.refs.add_if_new(REF, new) if old is None else self.repo.refs.set_if_equals(REF, old, new)
        except FileLocked as e:
            _clear_if_stale(Path(os.fsdecode(e.lockfilename)))
            return False

    # ------------------------------------------------------------------ transactions

    def _tip(self) -> tuple[ObjectID | None, Snapshot]:
        try:
            tip = self.repo.refs[REF]
        except KeyError:
            return None, Snapshot(self.repo, None)
        commit = self.repo.object_store[tip]
        assert isinstance(commit, Commit)
        return tip, Snapshot(self.repo, commit.tree)

    def _add(self, obj: Blob | Tree | Commit) -> None:
        """Write an object; another process writing the very same object at the same time is no error."""
        for _ in range(200):
            if obj.id in self.repo.object_store:
                return
            try:
                self.repo.object_store.add_object(obj)
                return
            except FileLocked as e:
                _clear_if_stale(Path(os.fsdecode(e.lockfilename)))
                time.sleep(0.01)
        raise SsopsError(f"could not write an object to {self.root}: its lock file stays taken")

    def _commit(self, parent: ObjectID | None, base: Snapshot, writes: list[Write], message: str) -> ObjectID:
        store = self.repo.object_store
        changes: list[tuple[bytes, int | None, ObjectID | None]] = []
        for path, data in writes:
            if data is None:
                changes.append((path.encode(), None, None))
                continue
            blob = Blob.from_string(data)
            self._add(blob)
            changes.append((path.encode(), 0o100644, blob.id))
        empty = Tree()
        if base.tree is None:
            self._add(empty)
        objects = cast(BaseObjectStore, _Objects(store, self._add))
        tree = commit_tree_changes(objects, base.tree or empty.id, changes)
        commit = Commit()
        commit.tree, commit.parents = tree, [parent] if parent else []
        commit.author = commit.committer = IDENTITY
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.message = message.encode() + b"\n"
        self._add(commit)
        return ObjectID(commit.id)

    def transact(self, change: Callable[[Snapshot], tuple[list[Write], str, Any]]) -> Any:
        """Apply `change` to the newest records and publish it; built again on the new tip on conflict."""
        if self.remote:
            self.sync()
        for attempt in range(ATTEMPTS):
            parent, snapshot = self._tip()
            writes, message, result = change(snapshot)
            if not writes:
                return result
            if self._publish(parent, self._commit(parent, snapshot, writes, message)):
                return result
            time.sleep(random.uniform(0, min(0.05 * (attempt + 1), 0.5)))  # noqa: S311 - jitter, not crypto
            if self.remote:
                self.sync()
        raise SsopsError(f"could not write to {self.location}: {ATTEMPTS} attempts lost to other writers")

    # ------------------------------------------------------------------ documents

    @staticmethod
    def _path(table: str, key: str) -> str:
        if not key or ".." in key.split("/") or key.startswith("/"):
            raise SsopsError(f"{key!r} is not a record key")
        return f"{table}/{key}.json"

    def _document(self, path: str, data: bytes | None) -> dict[str, Any] | None:
        """A stored document, or a one-line error naming it when someone wrote something else there."""
        if not data:
            return None
        try:
            found = json.loads(data)
        except ValueError as e:
            found, why = None, f"is not valid JSON ({e})"
        else:
            why = "is not a JSON object"
        if isinstance(found, dict):
            return found
        ref = REF.decode()
        raise SsopsError(f"{ref}:{path} {why}; restore it from the ref's history (git log -p {ref} -- {path})")

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        self.sync()
        path = self._path(table, key)
        return self._document(path, self._tip()[1].read(path))

    def all(self, table: str) -> dict[str, dict[str, Any]]:
        self.sync()
        snapshot = self._tip()[1]
        out = {}
        for name in snapshot.names(table):
            data = snapshot.read(f"{table}/{name}")
            found = self._document(f"{table}/{name}", data) if name.endswith(".json") else None
            if found is not None:
                out[name.removesuffix(".json")] = found
        return out

    def update(self, table: str, key: str, change: Change) -> dict[str, Any] | None:
        path = self._path(table, key)

        def step(snapshot: Snapshot) -> tuple[list[Write], str, Any]:
            data = snapshot.read(path)
            current = self._document(path, data)
            new = change(current)
            if new == current:
                return [], "", new
            body = None if new is None else json.dumps(new, indent=1, sort_keys=True, default=str).encode()
            return [(path, body)], f"{table}: {key}", new

        written: dict[str, Any] | None = self.transact(step)
        return written

    # ------------------------------------------------------------------ the audit chain

    def _shards(self, snapshot: Snapshot) -> list[str]:
        return [n for n in snapshot.names(AUDIT) if n.endswith(".jsonl")]

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        def step(snapshot: Snapshot) -> tuple[list[Write], str, Any]:
            shards = self._shards(snapshot)
            last = shards[-1] if shards else None
            lines = (snapshot.read(f"{AUDIT}/{last}") or b"").splitlines() if last else []
            readable = [e for e in map(_event_or_none, lines) if e is not None]
            previous = readable[-1] if readable else None  # a corrupt line is `audit verify`'s to report
            repeated = [e for e in readable if event.get("uid") and e.get("uid") == event["uid"]]
            if repeated:
                return [], "", repeated[0]  # a retried write that already landed
            linked = chain.link(previous, event)
            line = json.dumps(linked, ensure_ascii=False, sort_keys=True, default=str).encode()
            if last is None or len(lines) >= PER_FILE:
                last, lines = f"{len(shards) + 1:06d}.jsonl", []
            body = b"\n".join([*lines, line]) + b"\n"
            return [(f"{AUDIT}/{last}", body)], f"{linked['event']} #{linked['seq']}", linked

        return dict(self.transact(step))

    def events(self) -> AuditRead:
        self.sync()
        snapshot = self._tip()[1]
        out = AuditRead()
        for shard in self._shards(snapshot):
            for number, raw in enumerate((snapshot.read(f"{AUDIT}/{shard}") or b"").splitlines(), start=1):
                event = _event_or_none(raw)
                if event is None:
                    out.problems.append(Corruption(number, -1, f"{shard}: {raw.decode('utf-8', 'replace')}"))
                else:
                    out.events.append(event)
        return out


def _clear_if_stale(lock: Path) -> None:
    """Remove a lock file its writer left behind when it was killed between taking and releasing it."""
    with contextlib.suppress(FileNotFoundError):
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            lock.unlink()


class _Objects:
    """The object store as commit_tree_changes uses it, writing through GitStore._add (which tolerates a
    concurrent writer of the same tree)."""

    def __init__(self, store: BaseObjectStore, add: Callable[[Tree], None]) -> None:
        self.store, self.add = store, add

    def __getitem__(self, sha: ObjectID) -> object:
        return self.store[sha]

    def add_object(self, obj: Tree) -> None:
        self.add(obj)
