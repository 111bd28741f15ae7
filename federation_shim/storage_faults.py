"""When the shim's storage cannot take a write now: a busy database or a full disk, as one exception with a reason.

SQLite reports both as `sqlite3.OperationalError` with an error code (SQLITE_BUSY and SQLITE_LOCKED: another process
holds the write lock; SQLITE_FULL: no space left; SQLITE_IOERR: the disk failed, often ENOSPC while writing the WAL
or a journal). PostgreSQL (psycopg) reports an SQLSTATE: a lock that could not be had, a serialization failure or a
deadlock is a busy database; 53100 a full disk; a lost or refused connection (class 08, or no SQLSTATE at all) a
storage error. `storage_fault` turns those into a `StorageUnavailable`; anything else is a bug and stays what it was.
`write_patiently` runs a write again while the database is busy, without blocking the event loop.
The app answers a `StorageUnavailable` with 503, a `Retry-After` and a JSON reason (`federation_shim.app`); nothing of
the refused write was kept (it was one transaction), and nothing stored before is touched.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DATABASE_BUSY", "DISK_FULL", "STORAGE_ERROR", "StorageUnavailable", "storage_fault", "write_patiently"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_BUSY = "database_busy"
DISK_FULL = "disk_full"
STORAGE_ERROR = "storage_error"

# SQLSTATEs (PostgreSQL) of a write that may succeed if tried again soon: lock_not_available, serialization_failure,
# deadlock_detected, cannot_connect_now (the server is starting), too_many_connections
_BUSY_STATES = frozenset({"55P03", "40001", "40P01", "57P03", "53300"})
_DISK_FULL_STATE = "53100"

_RETRY_AFTER = {DATABASE_BUSY: 5, DISK_FULL: 60, STORAGE_ERROR: 60}


class StorageUnavailable(Exception):
    """A write could not be made now; trying again later may succeed. `reason` is one of DATABASE_BUSY, DISK_FULL
    or STORAGE_ERROR; `retry_after` is the seconds to suggest to the sender; str() is a sentence for an operator."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = _RETRY_AFTER.get(reason, 60)


def storage_fault(error: BaseException, where: str) -> StorageUnavailable | None:
    """The `StorageUnavailable` that `error` (raised while writing to `where`) means, or None when it is not one."""
    if isinstance(error, StorageUnavailable):
        return error
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailable(DISK_FULL, f"no space left for {where}: free some disk space")
    sqlstate = getattr(error, "sqlstate", False)
    if sqlstate is not False:  # a psycopg.Error (None: no answer from the server)
        return _server_fault(error, sqlstate, where)
    if not isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageUnavailable(
            DATABASE_BUSY, f"{where} is busy: another process holds its write lock; try again in a few seconds"
        )
    if primary == sqlite3.SQLITE_FULL:
        return StorageUnavailable(DISK_FULL, f"{where} cannot grow: the disk is full; free some disk space")
    if primary == sqlite3.SQLITE_IOERR:
        return StorageUnavailable(
            STORAGE_ERROR, f"{where} could not be written ({error}); the disk may be full or failing"
        )
    return None


def _server_fault(error: BaseException, sqlstate: object, where: str) -> StorageUnavailable | None:
    if sqlstate in _BUSY_STATES:
        return StorageUnavailable(DATABASE_BUSY, f"{where} is busy ({error}); try again in a few seconds")
    if sqlstate == _DISK_FULL_STATE:
        return StorageUnavailable(DISK_FULL, f"{where} cannot grow: the database server's disk is full")
    lost = sqlstate is None or (isinstance(sqlstate, str) and sqlstate.startswith(("08", "57P")))
    if lost and type(error).__name__ in ("OperationalError", "PoolTimeout", "ConnectionTimeout", "AdminShutdown"):
        return StorageUnavailable(STORAGE_ERROR, f"{where} cannot be reached ({error}); is the database server up?")
    return None


async def write_patiently(work: Callable[[], T], patience: float) -> T:
    """Run `work` (one transaction); while it raises a busy StorageUnavailable, sleep (without blocking the event
    loop) and try again, up to `patience` seconds; then raise. Other faults (a full disk) raise at once."""
    deadline = time.monotonic() + patience
    pause = 0.01
    while True:
        try:
            return work()
        except StorageUnavailable as refused:
            if refused.reason != DATABASE_BUSY or time.monotonic() + pause > deadline:
                raise
            if pause == 0.01:
                logger.info("%s; waiting up to %g s without blocking other requests", refused, patience)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)
