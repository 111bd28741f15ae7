"""The shim's storage on PostgreSQL: the `storage.Database` its stores share (a psycopg 3 connection pool), and the
schema migrations they run on start.

Connections come from a `psycopg_pool.ConnectionPool` in autocommit mode: a store method of one statement is its own
transaction; one of several statements opens `atomic()`. A transaction belongs to the thread that opened it: a store
call made in that thread inside `atomic()` uses the same connection and joins the transaction, so an app combines the
changes of several stores (what followers were told and the jobs that tell them) as on SQLite. Several processes, on
several machines, share one database: followers and processed ids are claimed in the transaction of their effect
(`INSERT ... ON CONFLICT DO NOTHING` makes the second of two concurrent claims wait for the first and find it), the
delivery queue leases jobs with `FOR UPDATE SKIP LOCKED` (`postgres_delivery`).

Errors: a lock that could not be had, a serialization failure or a deadlock is a busy database, a full disk on the
server or a lost connection a storage error (`storage_faults.storage_fault`), raised as `StorageUnavailable` with
nothing kept; `write()` tries a busy write again without blocking the event loop.

Migrations (`run_migrations`): each component (the toolkit's tables; an app's own, such as Lectern's told-record) has
a list of steps, its version the number of steps applied, recorded in `schema_migrations`. They run on start in one
transaction holding a transaction-level advisory lock, so of several processes starting at once one migrates and the
others wait for it, then find nothing left to do.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from lectern.federation_shim.storage_faults import STORAGE_ERROR, StorageUnavailable, storage_fault, write_patiently

__all__ = ["MIGRATION_LOCK", "Connection", "PostgresDatabase", "run_migrations"]

T = TypeVar("T")
Connection = psycopg.Connection[Any]

WRITE_PATIENCE = 3.0  # seconds `write()` tries a busy write again
CONNECT_TIMEOUT = 10.0  # seconds to wait for the first connection on start, or for a free one from the pool
MIGRATION_LOCK = (0x4C454354, 1)  # the two keys of the advisory lock that serializes migrations ("LECT", 1)

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
)
"""


def without_password(url: str) -> str:
    """`url` fit for a log line or an error message: its password (in the address or as a parameter) left out."""
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=f"{parts.username}:***@{host}")
    return urlunsplit(parts._replace(query=re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)))


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 8,
        write_patience: float = WRITE_PATIENCE,
        connect_timeout: float = CONNECT_TIMEOUT,
        lock_timeout: float | None = None,
    ) -> None:
        """`lock_timeout`: seconds a statement waits for a row another transaction holds before it fails as busy
        (None: as long as it takes); an event loop's connections want a short one, as `write()` then waits without
        blocking the loop."""
        self.url = url
        self.where = f"the database {without_password(url)}"
        self.write_patience = write_patience
        self._local = threading.local()  # .connection: the connection of this thread's open transaction
        self._closers: list[Callable[[], None]] = []
        configure = None if lock_timeout is None else partial(_set_lock_timeout, milliseconds=int(lock_timeout * 1000))
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=connect_timeout,
            configure=configure,
        )
        try:
            self.pool.open(wait=True, timeout=connect_timeout)
        except psycopg.Error as error:
            self.pool.close()
            raise StorageUnavailable(STORAGE_ERROR, f"cannot connect to {self.where}: {_why(url, error)}") from error

    def on_close(self, closer: Callable[[], None]) -> None:
        """Call `closer` when the database is closed (a store's own connection)."""
        self._closers.append(closer)

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self.pool.close()

    @contextmanager
    def faults(self) -> Iterator[None]:
        """Raise a psycopg error that means the database is busy, full or unreachable as StorageUnavailable."""
        try:
            yield
        except psycopg.Error as error:
            fault = storage_fault(error, self.where)
            if fault is None:
                raise
            raise fault from error

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The connection of this thread's open transaction, or one from the pool (autocommit: each statement its
        own transaction)."""
        current: Connection | None = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        with self.faults(), self.pool.connection() as connection:
            yield connection

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """One transaction for every store call this thread makes inside it (nested calls join it); nothing is
        kept if it raises."""
        current: Connection | None = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        with self.faults(), self.pool.connection() as connection:
            self._local.connection = connection
            try:
                with connection.transaction():
                    yield connection
            finally:
                self._local.connection = None

    async def write(self, work: Callable[[], T]) -> T:
        """Run `work` (one transaction), trying again while the database is busy, without blocking the loop."""
        return await write_patiently(work, self.write_patience)

    def migrate(self, component: str, steps: Sequence[str]) -> int:
        """Bring `component`'s tables up to date (see `run_migrations`); the number of steps applied now."""
        with self.faults(), self.pool.connection() as connection:
            return run_migrations(connection, component, steps)


def _why(url: str, error: psycopg.Error) -> str:
    """What libpq says when connecting to `url` (the pool only says it gave up waiting)."""
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as direct:
        return str(direct).strip() or str(error)
    return str(error)


def _set_lock_timeout(connection: Connection, milliseconds: int) -> None:
    connection.execute(f"SET lock_timeout = {max(1, milliseconds)}")


def run_migrations(connection: Connection, component: str, steps: Sequence[str]) -> int:
    """Apply the steps of `component` not applied yet (step n brings it to version n), in one transaction that holds
    the migration lock; returns how many were applied. A step is SQL, possibly several statements."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
        connection.execute(MIGRATIONS_TABLE)
        row = connection.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE component = %s", (component,)
        ).fetchone()
        version = int(row[0]) if row else 0
        for number, step in enumerate(steps[version:], start=version + 1):
            connection.execute(step.encode())  # bytes, no parameters: several statements may run at once
            connection.execute(
                "INSERT INTO schema_migrations (component, version) VALUES (%s, %s)", (component, number)
            )
    return max(0, len(steps) - version)
