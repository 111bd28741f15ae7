"""The shim's storage in one SQLite file: followers, processed activities, remote keys, the delivery queue."""

from __future__ import annotations

from pathlib import Path

from lectern.federation_shim.delivery_store import DeliveryStore
from lectern.federation_shim.sqlite_key_store import SqliteKeyStore
from lectern.federation_shim.state import WRITE_PATIENCE, ShimState
from lectern.federation_shim.storage import ShimStorage

__all__ = ["sqlite_storage"]


def sqlite_storage(path: Path, busy_timeout: float = 5.0, write_patience: float = WRITE_PATIENCE) -> ShimStorage:
    """Every store on one connection to the database at `path` (created if missing); see `state.ShimState` for
    `busy_timeout` and `write_patience`."""
    state = ShimState(path, busy_timeout, write_patience)
    try:
        return ShimStorage(state, state, SqliteKeyStore(state), DeliveryStore(state))
    except BaseException:
        state.close()
        raise
