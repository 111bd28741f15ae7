"""When the shim's storage cannot take a write now: a busy database or a full disk, as one exception with a reason.

SQLite reports both as `sqlite3.OperationalError` with an error code (SQLITE_BUSY and SQLITE_LOCKED: another process
holds the write lock; SQLITE_FULL: no space left; SQLITE_IOERR: the disk failed, often ENOSPC while writing the WAL
or a journal). `storage_fault` turns those into a `StorageUnavailable`; anything else is a bug and stays what it was.
The app answers a `StorageUnavailable` with 503, a `Retry-After` and a JSON reason (`federation_shim.app`); nothing of
the refused write was kept (it was one transaction), and nothing stored before is touched.
"""

from __future__ import annotations

import errno
import sqlite3

__all__ = ["DATABASE_BUSY", "DISK_FULL", "StorageUnavailable", "storage_fault"]

DATABASE_BUSY = "database_busy"
DISK_FULL = "disk_full"
STORAGE_ERROR = "storage_error"

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
