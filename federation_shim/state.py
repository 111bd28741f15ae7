"""The shim's SQLite database (in the instance folder, outside git), and its followers and processed activities.

`ShimState` is the SQLite `storage.Database` every SQLite store of the shim shares (`delivery_store.DeliveryStore`,
`sqlite_key_store.SqliteKeyStore`, and any an app adds on the same connection), and the SQLite
`storage.FollowerStore`; `sqlite_storage` opens the set.

One connection per process, used from the event loop thread only (every method is a short synchronous call: SQLite in
WAL mode answers these in microseconds, so there is nothing to gain from a thread pool). Every write is its own
transaction, so a crash never leaves half a change. An activity is claimed, by inserting its id into
processed_activities, in the same transaction as its effect and before it: of two deliveries of one activity, however
close together, only the one whose claim was inserted has an effect (and an Accept); the other is a duplicate.

Another process may hold the write lock (`lectern deliver`, a backup, an operator's `sqlite3` shell). The event loop
must not wait for it: the shim's connection gives up on a lock after `busy_timeout` (a few milliseconds), and
`write()` tries again after an `asyncio.sleep`, so other requests are served meanwhile, until `WRITE_PATIENCE` has
passed; then the write raises `StorageUnavailable` (`federation_shim.storage_faults`), which the app answers with 503
and Retry-After. A full disk raises it too, at once. Either way the refused transaction left nothing behind.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from lectern.federation_shim.key_cache import CachedKey, LRUDict
from lectern.federation_shim.storage import PURGE_BATCH, Follower
from lectern.federation_shim.storage_faults import storage_fault, write_patiently
from lectern.federation_shim.timestamps import now_timestamp, timestamp

__all__ = ["LOOP_BUSY_TIMEOUT", "STATE_FILE", "Follower", "ShimState"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A connection used on an event loop waits this long for another process's write lock, blocking the loop meanwhile;
# ShimState.write() then sleeps (without blocking) and tries again, for up to WRITE_PATIENCE seconds in all.
LOOP_BUSY_TIMEOUT = 0.02
WRITE_PATIENCE = 3.0

STATE_FILE = "shim.sqlite3"  # the shim's database, in the instance folder
# Keys read from SQLite are remembered in memory (see sqlite_key_store); bounded whatever keyIds requests name
KEY_MEMORY_ENTRIES = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS followers (
    actor TEXT NOT NULL,            -- our actor's name: a collection slug or the site actor
    follower TEXT NOT NULL,         -- the remote actor's id
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    follow_id TEXT NOT NULL,        -- the id of the Follow activity, for Undo and for the Accept
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, follower)
);
CREATE INDEX IF NOT EXISTS followers_by_follower ON followers (follower);
CREATE TABLE IF NOT EXISTS processed_activities (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    processed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS remote_keys (
    key_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at REAL NOT NULL        -- seconds since the epoch
);
"""


class ShimState:
    """The shim's SQLite database; see the module docstring."""

    def __init__(self, path: Path, busy_timeout: float = 5.0, write_patience: float = WRITE_PATIENCE) -> None:
        """`busy_timeout`: seconds a statement waits for another process's write lock, blocking its thread; an
        event loop's connection wants LOOP_BUSY_TIMEOUT. `write_patience`: how long `write()` keeps trying."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.write_patience = write_patience
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._depth = 0  # transactions open: a nested one joins the outermost
        self.db.execute(f"PRAGMA busy_timeout={max(0, int(busy_timeout * 1000))}")
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as error:
            self.db.close()
            self.raise_fault(error)
            raise
        # remote keys recently read, so a busy inbox does not query SQLite for the same key on every request:
        # key id -> (when read, entry); see sqlite_key_store.SqliteKeyStore
        self.recent_keys: LRUDict[str, tuple[float, CachedKey]] = LRUDict(KEY_MEMORY_ENTRIES)

    def close(self) -> None:
        self.db.close()

    def raise_fault(self, error: sqlite3.Error) -> None:
        """Raise `error` as a StorageUnavailable when it is a busy database or a full disk; otherwise return."""
        fault = storage_fault(error, f"the shim's database {self.path}")
        if fault is not None:
            raise fault from error

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; raises StorageUnavailable when the database is busy or the disk is full, having
        kept nothing of it. Inside another transaction of this connection, it is part of that one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            self.raise_fault(error)
            raise
        self._depth = 1
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as error:
            if self.db.in_transaction:  # SQLite rolls back by itself after some failures (a full disk)
                self.db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                self.raise_fault(error)
            raise
        finally:
            self._depth = 0

    atomic = transaction  # storage.Database

    async def write(self, work: Callable[[], T]) -> T:
        """Run `work` (a method that makes one transaction) without making the event loop wait for another
        process's write lock: while the database is busy, sleep and try again, up to `write_patience` seconds;
        then raise StorageUnavailable. A full disk raises at once."""
        return await write_patiently(work, self.write_patience)

    # Processed activities
    def was_processed(self, activity_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM processed_activities WHERE id = ?", (activity_id,)).fetchone()
        return row is not None

    def mark_processed(self, activity_id: str, kind: str, actor: str) -> bool:
        with self.transaction() as db:
            return self.claim(db, activity_id, kind, actor)

    def forget_processed(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        with self.transaction() as db:
            return db.execute(
                "DELETE FROM processed_activities WHERE rowid IN "
                "(SELECT rowid FROM processed_activities WHERE processed_at < ? LIMIT ?)",
                (timestamp(before), limit),
            ).rowcount

    @staticmethod
    def claim(db: sqlite3.Connection, activity_id: str, kind: str, actor: str) -> bool:
        """Mark an activity processed, inside the transaction of its effect; False when it already was (another
        delivery of the same activity claimed it first: the caller must then do nothing)."""
        inserted = db.execute(
            "INSERT OR IGNORE INTO processed_activities VALUES (?, ?, ?, ?)",
            (activity_id, kind, actor, now_timestamp()),
        ).rowcount
        return inserted == 1

    # Followers
    def add_follower(self, follower: Follower, activity_id: str) -> bool:
        """Store a follower (or its new inbox), claiming the Follow; False, with nothing changed, when the Follow
        was already processed."""
        with self.transaction() as db:
            if not self.claim(db, activity_id, "Follow", follower.follower):
                return False
            db.execute(
                "INSERT INTO followers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (actor, follower) DO UPDATE SET "
                "inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, follow_id = excluded.follow_id",
                (
                    follower.actor,
                    follower.follower,
                    follower.inbox,
                    follower.shared_inbox,
                    follower.follow_id,
                    follower.created_at,
                ),
            )
        return True

    def remove_follower(self, actor: str, follower: str, activity_id: str | None, kind: str = "Undo") -> int | None:
        """Remove one follow, claiming the activity that asked for it; the number removed, or None (nothing
        changed) when that activity was already processed."""
        with self.transaction() as db:
            if activity_id and not self.claim(db, activity_id, kind, follower):
                return None
            return db.execute("DELETE FROM followers WHERE actor = ? AND follower = ?", (actor, follower)).rowcount

    def remove_remote_actor(self, follower: str, activity_id: str | None) -> int | None:
        """Forget a remote actor everywhere (it deleted itself, or its inbox is gone); the number of follows
        removed, or None (nothing changed) when the Delete `activity_id` was already processed."""
        with self.transaction() as db:
            if activity_id and not self.claim(db, activity_id, "Delete", follower):
                return None
            removed = db.execute("DELETE FROM followers WHERE follower = ?", (follower,)).rowcount
            db.execute("DELETE FROM remote_keys WHERE owner = ?", (follower,))
            self.recent_keys.clear()
        return removed

    def remove_followers_at(self, inbox: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM followers WHERE inbox = ? OR shared_inbox = ?", (inbox, inbox)).rowcount

    def remove_followers_of(self, actor: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM followers WHERE actor = ?", (actor,)).rowcount

    def follow_of(self, actor: str, follower: str) -> Follower | None:
        row = self.db.execute("SELECT * FROM followers WHERE actor = ? AND follower = ?", (actor, follower)).fetchone()
        return Follower(*row) if row else None

    def follow_by_id(self, follow_id: str) -> Follower | None:
        row = self.db.execute("SELECT * FROM followers WHERE follow_id = ?", (follow_id,)).fetchone()
        return Follower(*row) if row else None

    def followers_of(self, actor: str, limit: int = 1000, offset: int = 0) -> list[Follower]:
        rows = self.db.execute(
            "SELECT * FROM followers WHERE actor = ? ORDER BY created_at, follower LIMIT ? OFFSET ?",
            (actor, limit, offset),
        ).fetchall()
        return [Follower(*row) for row in rows]

    def all_followers(self) -> list[Follower]:
        rows = self.db.execute("SELECT * FROM followers ORDER BY actor, created_at, follower").fetchall()
        return [Follower(*row) for row in rows]

    def follower_count(self, actor: str) -> int:
        row = self.db.execute("SELECT count(*) FROM followers WHERE actor = ?", (actor,)).fetchone()
        return int(row[0])

    def inboxes_of(self, actors: Iterable[str]) -> list[str]:
        names = list(actors)
        marks = ",".join("?" * len(names))
        rows = self.db.execute(
            f"SELECT DISTINCT coalesce(shared_inbox, inbox) FROM followers WHERE actor IN ({marks}) ORDER BY 1", names
        ).fetchall()
        return [row[0] for row in rows]

    def is_known_actor(self, actor_id: str) -> bool:
        """Someone we have dealings with: a follower, or a key we have cached."""
        row = self.db.execute(
            "SELECT 1 FROM followers WHERE follower = ? UNION SELECT 1 FROM remote_keys WHERE owner = ? LIMIT 1",
            (actor_id, actor_id),
        ).fetchone()
        return row is not None
