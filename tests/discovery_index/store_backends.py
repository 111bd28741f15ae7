"""The index stores the shared suite runs against: every test that takes `open_store` (or `store_backend`) runs once
per entry of BACKENDS. `open_store()` opens the test's store; called again, it opens the same data anew (a restart,
or a second process on the same database). PostgreSQL runs in the session's test cluster (tests/postgres_server.py),
a database per store; it is skipped where PostgreSQL is missing, unless LECTERN_REQUIRE_ALL_TESTS=1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lectern.discovery_index.sqlite_store import SqliteIndexStore
from lectern.discovery_index.storage import IndexStore

Opener = Callable[[], IndexStore]


def sqlite_opener(folder: Path, request: pytest.FixtureRequest, *, cache_results: bool = True) -> Opener:
    return lambda: SqliteIndexStore(folder / "index.sqlite3", cache_results=cache_results)


def postgresql_opener(folder: Path, request: pytest.FixtureRequest, *, cache_results: bool = True) -> Opener:
    from tests.postgres_server import PostgresServer

    server: PostgresServer = request.getfixturevalue("postgres_server")  # skips first where PostgreSQL is missing
    url = server.new_database()
    from lectern.discovery_index.postgres_store import PostgresIndexStore

    return lambda: PostgresIndexStore(url)


BACKENDS: dict[str, Callable[..., Opener]] = {"sqlite": sqlite_opener, "postgresql": postgresql_opener}
