"""Where the shim keeps its state, as the settings say: one function that every part of Lectern opens it with.

    no setting                          SQLite, `instance/shim.sqlite3` (one machine; the default)
    sqlite:PATH                         SQLite, that file
    postgresql://user:pw@host/database  PostgreSQL: any number of `lectern serve` and `lectern deliver` processes, on
                                        any number of machines, share it (its tables are made or migrated on start)

The setting is LECTERN_DATABASE_URL, or LECTERN['DATABASE_URL'] in pelicanconf.py, checked in `lectern.settings`.
"""

from __future__ import annotations

from pathlib import Path

from lectern.federation_shim import LOOP_BUSY_TIMEOUT, STATE_FILE, ShimStorage, sqlite_storage
from lectern.settings import Settings

__all__ = ["open_shim_storage"]

SQLITE_PREFIX = "sqlite:"
# On an event loop, a PostgreSQL statement waits this long for a row another transaction holds, blocking the loop;
# then it fails as busy and `Database.write` waits without blocking (as SQLite's LOOP_BUSY_TIMEOUT)
LOOP_LOCK_TIMEOUT = 0.1


def open_shim_storage(settings: Settings, *, on_event_loop: bool = False) -> ShimStorage:
    """The shim's stores on the database the settings name. `on_event_loop`: used from an event loop, so a SQLite
    connection must not wait long for another process's lock, nor a PostgreSQL statement for a row another
    transaction holds (`Database.write` waits without blocking instead).
    Raises `StorageUnavailable` when a database server cannot be reached."""
    url = settings.database_url
    if url is None or url.startswith(SQLITE_PREFIX):
        path = settings.instance_dir / STATE_FILE if url is None else Path(url[len(SQLITE_PREFIX) :])
        return sqlite_storage(path, busy_timeout=LOOP_BUSY_TIMEOUT) if on_event_loop else sqlite_storage(path)
    from lectern.federation_shim import postgres_storage  # psycopg is imported only when PostgreSQL is used

    return postgres_storage(url, lock_timeout=LOOP_LOCK_TIMEOUT if on_event_loop else None)
