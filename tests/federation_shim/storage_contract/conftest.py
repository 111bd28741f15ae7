"""The shared storage suite: every test here runs once per implementation of the `federation_shim.storage` protocols.

`storage` is a fresh set of stores; `backend()` opens another connection to the same database (a second process,
for SQLite; another set of stores on the same MemoryDatabase, in memory). A new implementation (PostgreSQL) is one
more entry in BACKENDS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lectern.federation_shim.memory_backend import MemoryDatabase, memory_storage
from lectern.federation_shim.sqlite_backend import sqlite_storage
from lectern.federation_shim.storage import ShimStorage

Backend = Callable[[], ShimStorage]


def sqlite_backend(folder: Path) -> Backend:
    return lambda: sqlite_storage(folder / "shim.sqlite3")


def memory_backend(folder: Path) -> Backend:
    database = MemoryDatabase()
    return lambda: memory_storage(database)


BACKENDS: dict[str, Callable[[Path], Backend]] = {"sqlite": sqlite_backend, "memory": memory_backend}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opened: list[ShimStorage] = []
    make = BACKENDS[request.param](tmp_path)

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
