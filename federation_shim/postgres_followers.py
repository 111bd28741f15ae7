"""Followers, processed activity ids and the key cache's store on PostgreSQL (`storage.FollowerStore`,
`storage.KeyStore`), on a `postgres_database.PostgresDatabase`.

An activity is claimed by inserting its id into processed_activities in the transaction of its effect and before it,
as on SQLite. Of two deliveries of one activity to two web workers at once, the second insert waits for the first
transaction and then inserts nothing (`ON CONFLICT DO NOTHING`): only the first has an effect. Lists are ordered
with the "C" collation, so their order is the same whatever the database's locale (and the same as SQLite's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, MutableMapping
from datetime import datetime
from typing import Any

from lectern.federation_shim.key_cache import CachedKey
from lectern.federation_shim.postgres_database import Connection, PostgresDatabase
from lectern.federation_shim.storage import PURGE_BATCH, Follower
from lectern.federation_shim.storage_faults import StorageUnavailable

__all__ = ["PostgresFollowers", "PostgresKeyStore"]

logger = logging.getLogger(__name__)

FOLLOWER_COLUMNS = "actor, follower, inbox, shared_inbox, follow_id, created_at"
ORDER = 'created_at COLLATE "C", follower COLLATE "C"'


def _followers(rows: list[Any]) -> list[Follower]:
    return [Follower(*row) for row in rows]


class PostgresFollowers:
    """`storage.FollowerStore` on PostgreSQL."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database

    def was_processed(self, activity_id: str) -> bool:
        with self.database.connection() as db:
            return db.execute("SELECT 1 FROM processed_activities WHERE id = %s", (activity_id,)).fetchone() is not None

    def mark_processed(self, activity_id: str, kind: str, actor: str) -> bool:
        with self.database.connection() as db:
            return self.claim(db, activity_id, kind, actor)

    def forget_processed(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        with self.database.connection() as db:
            return db.execute(
                "DELETE FROM processed_activities WHERE ctid = ANY(ARRAY("
                "SELECT ctid FROM processed_activities WHERE processed_at < %s LIMIT %s))",
                (before, limit),
            ).rowcount

    @staticmethod
    def claim(db: Connection, activity_id: str, kind: str, actor: str) -> bool:
        """Mark an activity processed, inside the transaction of its effect; False when it already was."""
        cursor = db.execute(
            "INSERT INTO processed_activities (id, type, actor) VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (activity_id, kind, actor),
        )
        return cursor.rowcount == 1

    def add_follower(self, follower: Follower, activity_id: str) -> bool:
        with self.database.atomic() as db:
            if not self.claim(db, activity_id, "Follow", follower.follower):
                return False
            db.execute(
                f"INSERT INTO followers ({FOLLOWER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (actor, follower) DO UPDATE SET inbox = excluded.inbox, "
                "shared_inbox = excluded.shared_inbox, follow_id = excluded.follow_id",
                (follower.actor, follower.follower, follower.inbox, follower.shared_inbox, follower.follow_id,
                 follower.created_at),
            )  # fmt: skip
        return True

    def remove_follower(self, actor: str, follower: str, activity_id: str | None, kind: str = "Undo") -> int | None:
        with self.database.atomic() as db:
            if activity_id and not self.claim(db, activity_id, kind, follower):
                return None
            return db.execute("DELETE FROM followers WHERE actor = %s AND follower = %s", (actor, follower)).rowcount

    def remove_remote_actor(self, follower: str, activity_id: str | None) -> int | None:
        with self.database.atomic() as db:
            if activity_id and not self.claim(db, activity_id, "Delete", follower):
                return None
            removed = db.execute("DELETE FROM followers WHERE follower = %s", (follower,)).rowcount
            db.execute("DELETE FROM remote_keys WHERE owner = %s", (follower,))
        return removed

    def remove_followers_at(self, inbox: str) -> int:
        with self.database.connection() as db:
            return db.execute("DELETE FROM followers WHERE inbox = %s OR shared_inbox = %s", (inbox, inbox)).rowcount

    def remove_followers_of(self, actor: str) -> int:
        with self.database.connection() as db:
            return db.execute("DELETE FROM followers WHERE actor = %s", (actor,)).rowcount

    def follow_of(self, actor: str, follower: str) -> Follower | None:
        with self.database.connection() as db:
            row = db.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE actor = %s AND follower = %s", (actor, follower)
            ).fetchone()
        return Follower(*row) if row else None

    def follow_by_id(self, follow_id: str) -> Follower | None:
        with self.database.connection() as db:
            row = db.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE follow_id = %s LIMIT 1", (follow_id,)
            ).fetchone()
        return Follower(*row) if row else None

    def followers_of(self, actor: str, limit: int = 1000, offset: int = 0) -> list[Follower]:
        with self.database.connection() as db:
            return _followers(
                db.execute(
                    f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE actor = %s ORDER BY {ORDER} LIMIT %s OFFSET %s",
                    (actor, limit, offset),
                ).fetchall()
            )

    def all_followers(self) -> list[Follower]:
        with self.database.connection() as db:
            return _followers(
                db.execute(f'SELECT {FOLLOWER_COLUMNS} FROM followers ORDER BY actor COLLATE "C", {ORDER}').fetchall()
            )

    def follower_count(self, actor: str) -> int:
        with self.database.connection() as db:
            row = db.execute("SELECT count(*) FROM followers WHERE actor = %s", (actor,)).fetchone()
        return int(row[0]) if row else 0

    def inboxes_of(self, actors: Iterable[str]) -> list[str]:
        with self.database.connection() as db:
            rows = db.execute(
                'SELECT DISTINCT coalesce(shared_inbox, inbox) COLLATE "C" FROM followers WHERE actor = ANY(%s) '
                "ORDER BY 1",
                (list(actors),),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def is_known_actor(self, actor_id: str) -> bool:
        with self.database.connection() as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM followers WHERE follower = %s) "
                "OR EXISTS (SELECT 1 FROM remote_keys WHERE owner = %s)",
                (actor_id, actor_id),
            ).fetchone()
        return bool(row and row[0])


class PostgresKeyStore(MutableMapping[str, CachedKey]):
    """The key cache's store (`remote_keys`), shared by every process on the database. A key that cannot be
    remembered now (the database is unavailable) is fetched again next time: the request that fetched it goes on."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database

    def __getitem__(self, key_id: str) -> CachedKey:
        with self.database.connection() as db:
            row = db.execute(
                "SELECT key_id, owner, public_key_pem, fetched_at FROM remote_keys WHERE key_id = %s", (key_id,)
            ).fetchone()
        if row is None:
            raise KeyError(key_id)
        return CachedKey(row[0], row[1], row[2], float(row[3]))

    def __setitem__(self, key_id: str, entry: CachedKey) -> None:
        try:
            with self.database.connection() as db:
                db.execute(
                    "INSERT INTO remote_keys (key_id, owner, public_key_pem, fetched_at) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (key_id) DO UPDATE SET owner = excluded.owner, "
                    "public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at",
                    (key_id, entry.owner, entry.public_key_pem, entry.fetched_at),
                )
        except StorageUnavailable as fault:
            logger.warning("could not remember the key %s: %s", key_id, fault)

    def __delitem__(self, key_id: str) -> None:
        with self.database.connection() as db:
            if db.execute("DELETE FROM remote_keys WHERE key_id = %s", (key_id,)).rowcount == 0:
                raise KeyError(key_id)

    def __iter__(self) -> Iterator[str]:
        with self.database.connection() as db:
            return iter([str(row[0]) for row in db.execute("SELECT key_id FROM remote_keys").fetchall()])

    def __len__(self) -> int:
        with self.database.connection() as db:
            row = db.execute("SELECT count(*) FROM remote_keys").fetchone()
        return int(row[0]) if row else 0
