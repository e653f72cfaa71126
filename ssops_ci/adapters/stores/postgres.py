"""The PostgreSQL store: the same records in tables, one database for every repository a platform team runs
ssops-ci in, so one report can span them.

Events keep their exact JSON text (the chain's hashes are over those bytes) next to the columns a
report queries. The audit chain of a repository is extended under a transaction-scoped advisory lock;
a repeated event `uid` is a no-op by a unique key. Documents are updated under an advisory lock on
their key. Migrations are numbered and applied once, under a lock, in a transaction each.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg

from ssops_ci.adapters.stores.base import Locking
from ssops_ci.model.audit import AuditRead, Corruption
from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import Change
from ssops_ci.stages import chain

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE ssops_events (
            repo       text        NOT NULL,
            seq        bigint      NOT NULL,
            uid        text        NOT NULL,
            event      text        NOT NULL,
            at         text,
            pr         bigint,
            sha        text,
            stack      text,
            hash       text        NOT NULL,
            body       text        NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (repo, seq),
            UNIQUE (repo, uid)
        );
        CREATE INDEX ssops_events_event ON ssops_events (event, repo);
        CREATE TABLE ssops_documents (
            repo       text        NOT NULL,
            tbl        text        NOT NULL,
            key        text        NOT NULL,
            doc        jsonb       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (repo, tbl, key)
        );
        """,
    ),
]
MIGRATION_LOCK = 0x550_B5  # any constant: one migrator at a time


def migrate(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply the migrations this database lacks; the versions applied."""
    done: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ssops_migrations "
            "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        have = {r[0] for r in conn.execute("SELECT version FROM ssops_migrations").fetchall()}
        for version, sql in MIGRATIONS:
            if version in have:
                continue
            conn.execute(sql.encode())  # our own constant SQL, several statements
            conn.execute("INSERT INTO ssops_migrations (version) VALUES (%s)", (version,))
            done.append(version)
    return done


class PostgresStore(Locking):
    def __init__(self, url: str, repo: str, *, owner: dict[str, Any] | None = None) -> None:
        self.url, self.repo = url, repo
        self.owner = owner or {}
        self.location = f"PostgreSQL ({_safe(url)}), repository {repo}"
        self._local = threading.local()
        migrate(self._conn())

    def _conn(self) -> psycopg.Connection[Any]:
        """One connection per thread: an apply's stacks run in threads, each in its own transactions."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.Error as e:
                raise SsopsError(f"cannot reach the store at {_safe(self.url)}: {e}".strip()) from None
            self._local.conn = conn
        return conn

    # ------------------------------------------------------------------ the audit chain

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"ssops-events:{self.repo}",))
            uid = event.get("uid")
            if uid:
                found = conn.execute(
                    "SELECT body FROM ssops_events WHERE repo = %s AND uid = %s", (self.repo, uid)
                ).fetchone()
                if found:
                    return dict(json.loads(found[0]))  # a retried write that already landed
            last = conn.execute(
                "SELECT body FROM ssops_events WHERE repo = %s ORDER BY seq DESC LIMIT 1", (self.repo,)
            ).fetchone()
            linked = chain.link(json.loads(last[0]) if last else None, event)
            conn.execute(
                "INSERT INTO ssops_events (repo, seq, uid, event, at, pr, sha, stack, hash, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    self.repo,
                    linked["seq"],
                    uid or linked["hash"],
                    linked.get("event"),
                    linked.get("time"),
                    linked.get("pr") if isinstance(linked.get("pr"), int) else None,
                    linked.get("sha"),
                    linked.get("stack"),
                    linked["hash"],
                    json.dumps(linked, ensure_ascii=False, sort_keys=True, default=str),
                ),
            )
        return linked

    def events(self) -> AuditRead:
        out = AuditRead()
        rows = (
            self._conn()
            .execute("SELECT seq, body FROM ssops_events WHERE repo = %s ORDER BY seq", (self.repo,))
            .fetchall()
        )
        for seq, body in rows:
            try:
                out.events.append(json.loads(body))
            except ValueError:
                out.problems.append(Corruption(int(seq), -1, str(body)))
        return out

    # ------------------------------------------------------------------ documents

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        row = (
            self._conn()
            .execute(
                "SELECT doc FROM ssops_documents WHERE repo = %s AND tbl = %s AND key = %s", (self.repo, table, key)
            )
            .fetchone()
        )
        return dict(row[0]) if row else None

    def all(self, table: str) -> dict[str, dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT key, doc FROM ssops_documents WHERE repo = %s AND tbl = %s ORDER BY key", (self.repo, table)
            )
            .fetchall()
        )
        return {k: dict(d) for k, d in rows}

    def update(self, table: str, key: str, change: Change) -> dict[str, Any] | None:
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"ssops-doc:{self.repo}:{table}:{key}",))
            row = conn.execute(
                "SELECT doc FROM ssops_documents WHERE repo = %s AND tbl = %s AND key = %s", (self.repo, table, key)
            ).fetchone()
            current = dict(row[0]) if row else None
            new = change(current)
            if new == current:
                return new
            if new is None:
                conn.execute(
                    "DELETE FROM ssops_documents WHERE repo = %s AND tbl = %s AND key = %s", (self.repo, table, key)
                )
            else:
                conn.execute(
                    "INSERT INTO ssops_documents (repo, tbl, key, doc) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (repo, tbl, key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()",
                    (self.repo, table, key, json.dumps(new, default=str)),
                )
        return new


def _safe(url: str) -> str:
    """The URL without its password."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in credentials else f"{scheme}{sep}{user}@{host}"
