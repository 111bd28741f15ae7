"""The shared storage suite: every test here runs once per implementation of the `federation_shim.storage` protocols.

`storage` is a fresh set of stores; `backend()` opens another connection to the same database (a second process,
for SQLite and PostgreSQL; another set of stores on the same MemoryDatabase, in memory). A new implementation is one
more entry in BACKENDS. PostgreSQL runs in the session's test cluster (tests/postgres_server.py), a database per test;
it is skipped where PostgreSQL is missing, unless LECTERN_REQUIRE_ALL_TESTS=1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lectern.federation_shim.memory_backend import MemoryDatabase, memory_storage
from lectern.federation_shim.sqlite_backend import sqlite_storage
from lectern.federation_shim.storage import ShimStorage

Backend = Callable[[], ShimStorage]
BackendMaker = Callable[[Path, pytest.FixtureRequest], Backend]


def sqlite_backend(folder: Path, request: pytest.FixtureRequest) -> Backend:
    return lambda: sqlite_storage(folder / "shim.sqlite3")


def memory_backend(folder: Path, request: pytest.FixtureRequest) -> Backend:
    database = MemoryDatabase()
    return lambda: memory_storage(database)


def postgresql_backend(folder: Path, request: pytest.FixtureRequest) -> Backend:
    url: str = request.getfixturevalue("postgres_url")  # skips first where PostgreSQL or psycopg is missing
    from lectern.federation_shim.postgres_backend import postgres_storage

    return lambda: postgres_storage(url)


BACKENDS: dict[str, BackendMaker] = {
    "sqlite": sqlite_backend,
    "memory": memory_backend,
    "postgresql": postgresql_backend,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opened: list[ShimStorage] = []
    make = BACKENDS[request.param](tmp_path, request)

    def open_storage() -> ShimStorage:
        storage = make()
        opened.append(storage)
        return storage

    yield open_storage
    for storage in opened:
        storage.close()


@pytest.fixture
def storage(backend: Backend) -> ShimStorage:
    return backend()
