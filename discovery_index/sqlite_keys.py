"""The key cache's store in the index's SQLite database (`remote_keys`): keys survive a restart."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, MutableMapping

from lectern.federation_shim import CachedKey


class KeyStore(MutableMapping[str, CachedKey]):
    """The key cache's store in the index's database: keys survive a restart, and a Delete from an actor whose key
    document is gone can still be verified (the pattern of `federation_shim.SqliteKeyStore`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __getitem__(self, key_id: str) -> CachedKey:
        row = self.db.execute("SELECT * FROM remote_keys WHERE key_id = ?", (key_id,)).fetchone()
        if row is None:
            raise KeyError(key_id)
        return CachedKey(row[0], row[1], row[2], float(row[3]))

    def __setitem__(self, key_id: str, entry: CachedKey) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO remote_keys VALUES (?, ?, ?, ?)",
            (key_id, entry.owner, entry.public_key_pem, entry.fetched_at or time.time()),
        )

    def __delitem__(self, key_id: str) -> None:
        self.db.execute("DELETE FROM remote_keys WHERE key_id = ?", (key_id,))

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self.db.execute("SELECT key_id FROM remote_keys")])

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM remote_keys").fetchone()[0])
