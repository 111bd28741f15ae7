"""The key cache's store in the shim's SQLite database (`remote_keys`), so keys survive a restart.

A `storage.KeyStore` (a MutableMapping, as `key_cache.KeyCache` takes). A Delete from an actor whose key document is
gone can still be verified with the key kept here. `FollowerStore.remove_remote_actor` forgets an actor's keys with
its follows (the SQLite one in the same transaction, see `state.ShimState`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator, MutableMapping

from lectern.federation_shim.key_cache import CachedKey
from lectern.federation_shim.state import ShimState
from lectern.federation_shim.storage_faults import storage_fault

__all__ = ["KEY_MEMORY_SECONDS", "SqliteKeyStore"]

logger = logging.getLogger(__name__)

# Keys read from SQLite are remembered this long in memory. Changes made in this process apply at once; a change made
# by another process (`lectern followers remove`) is seen within this time.
KEY_MEMORY_SECONDS = 60.0


class SqliteKeyStore(MutableMapping[str, CachedKey]):
    """The key cache's store, kept in SQLite so keys survive a restart (and a Delete can still be verified after
    the deleted actor's key document is gone)."""

    def __init__(self, state: ShimState, memory_seconds: float = KEY_MEMORY_SECONDS) -> None:
        self.db = state.db
        self.recent = state.recent_keys
        self.memory_seconds = memory_seconds

    def __getitem__(self, key_id: str) -> CachedKey:
        now = time.monotonic()
        remembered = self.recent.get(key_id)
        if remembered is not None and now - remembered[0] < self.memory_seconds:
            return remembered[1]
        row = self.db.execute(
            "SELECT key_id, owner, public_key_pem, fetched_at FROM remote_keys WHERE key_id = ?", (key_id,)
        ).fetchone()
        if row is None:
            self.recent.pop(key_id, None)
            raise KeyError(key_id)
        entry = CachedKey(row[0], row[1], row[2], float(row[3]))
        self.recent[key_id] = (now, entry)
        return entry

    def __setitem__(self, key_id: str, entry: CachedKey) -> None:
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO remote_keys VALUES (?, ?, ?, ?)",
                (key_id, entry.owner, entry.public_key_pem, entry.fetched_at),
            )
        except sqlite3.Error as error:
            # a key not remembered is fetched again next time; the request that fetched it goes on
            fault = storage_fault(error, "the remote key cache")
            if fault is None:
                raise
            logger.warning("could not remember the key %s: %s", key_id, fault)
            self.recent[key_id] = (time.monotonic(), entry)
            return
        self.recent.pop(key_id, None)

    def __delitem__(self, key_id: str) -> None:
        try:
            self.db.execute("DELETE FROM remote_keys WHERE key_id = ?", (key_id,))
        except sqlite3.Error as error:
            fault = storage_fault(error, "the remote key cache")
            if fault is None:
                raise
            logger.warning("could not forget the key %s: %s", key_id, fault)
        self.recent.pop(key_id, None)

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self.db.execute("SELECT key_id FROM remote_keys")])

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM remote_keys").fetchone()[0])
