"""`lectern index serve` with LECTERN_INDEX_DATABASE_URL: the index in PostgreSQL, shared by several index processes
(issue 15): a resource delivered to one is found through the other, a redelivery to the other is applied once, a
write held up by another transaction is a 503 that succeeds later, two processes writing the same resources at once
keep every count right, and a database that cannot be reached stops the
command with one line that does not show the password."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lectern.discovery_index.postgres_store import PostgresIndexStore
from lectern.discovery_index.records import DeleteResource, Processed, ResourceRecord, UpsertResource
from lectern.discovery_index.storage import SearchQuery
from lectern.federation_shim import DATABASE_BUSY, StorageUnavailable
from tests.conftest import PROJECT
from tests.discovery_index.index_server import IndexServer
from tests.discovery_index.test_fediverse_sources import FlaggedActor, deliver, found_as_typed
from tests.discovery_index.test_index_store import CC0, CC_BY, A, actor, resource
from tests.federation_shim.remote_actors import RemoteServer, actor_key


@pytest.fixture
def pair(tmp_path: Path, postgres_url: str) -> Iterator[tuple[IndexServer, IndexServer]]:
    env = {"LECTERN_INDEX_DATABASE_URL": postgres_url}
    first = IndexServer(tmp_path / "first", ("--actor-max-age", "0"), env)
    try:
        second = IndexServer(tmp_path / "second", ("--actor-max-age", "0"), env)
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


def test_a_resource_delivered_to_one_index_process_is_found_through_the_other(
    pair: tuple[IndexServer, IndexServer], remote: RemoteServer
) -> None:
    first, second = pair
    actor = remote.actors["shared"] = FlaggedActor(remote.base, "shared", actor_key(7), indexable=True)
    added = first.lectern_index("add", actor.id)
    assert added.returncode == 0 and ": followed" in added.stdout, added.stdout + added.stderr
    handle = "@shared@" + remote.base.split("//", 1)[1]
    assert [c["handle"] for c in second.get_json("/api/collections")] == [handle]

    assert deliver(first, actor, actor.create(1, "axolotl")) == 202
    assert found_as_typed(second, "axolotl") == 1
    assert deliver(second, actor, actor.create(2, "quokka")) == 202
    assert found_as_typed(first, "quokka") == 1
    assert deliver(second, actor, actor.create(1, "axolotl")) == 202  # a redelivery, to the other process
    assert found_as_typed(first, "axolotl") == found_as_typed(second, "axolotl") == 1
    assert first.search()["total"] == second.search()["total"] == 2
    page = second.get_json("/api/export/amb?limit=1")  # the bulk export pages the PostgreSQL store too
    rest = second.get_json(page["next"].removeprefix(second.url))
    assert [page["count"], rest["count"], rest["next"]] == [1, 1, None]
    assert {page["records"][0]["id"], rest["records"][0]["id"]} == {f"{actor.id}/notes/1", f"{actor.id}/notes/2"}


def test_a_delivery_while_another_transaction_holds_the_table_is_a_503_and_succeeds_later(
    tmp_path: Path, postgres_url: str, remote: RemoteServer
) -> None:
    index = IndexServer(tmp_path / "index", ("--actor-max-age", "0"), {"LECTERN_INDEX_DATABASE_URL": postgres_url})
    try:
        actor = remote.actors["busy"] = FlaggedActor(remote.base, "busy", actor_key(6), indexable=True)
        assert index.lectern_index("add", actor.id).returncode == 0
        with psycopg.connect(postgres_url) as holder:  # a transaction: its lock is held until the block ends
            holder.execute("LOCK TABLE resources IN SHARE MODE")  # others may read, not write
            status = deliver(index, actor, actor.create(1, "axolotl"))
            assert status == 503, index.log()
            searched, _results = index.request("GET", "/api/search?q=anything")
            assert searched == 200  # readers are not held up
            holder.rollback()
        assert deliver(index, actor, actor.create(1, "axolotl")) == 202
        assert found_as_typed(index, "axolotl") == 1
    finally:
        index.stop()


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LECTERN_")}
    env["LECTERN_INDEX_DATABASE_URL"] = f"postgresql://lectern:s3cret@/index?host={tmp_path}/no-server-here"
    done = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "index", "serve", "--instance", str(tmp_path / "i"), "--port", "1"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "LECTERN_INDEX_DATABASE_URL: cannot connect" in done.stderr and "s3cret" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_two_processes_writing_the_same_resources_at_once_keep_every_count_right(postgres_url: str) -> None:
    stores = [PostgresIndexStore(postgres_url) for _ in range(2)]  # as two index processes: two pools, two caches
    try:
        records = [resource(A, "maths", f"okapi-{n}", license=CC0 if n % 3 == 0 else CC_BY) for n in range(300)]
        failures: list[BaseException] = []

        def write(store: PostgresIndexStore, order: list[ResourceRecord]) -> None:
            try:
                for first in range(0, len(order), 25):
                    batch = [UpsertResource(record) for record in order[first : first + 25]]
                    while True:
                        try:
                            store.apply(batch)
                            break
                        except StorageUnavailable as refused:  # a row the other holds: 503 and a retry, in service
                            assert refused.reason == DATABASE_BUSY, refused
                            time.sleep(0.01)
            except BaseException as failure:  # noqa: BLE001 - reported below, in the test's thread
                failures.append(failure)

        orders = [records, list(reversed(records))]
        random.Random(3).shuffle(orders[1])
        threads = [threading.Thread(target=write, args=pair) for pair in zip(stores, orders, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        home = stores[1].search(SearchQuery())
        licenses = {count.value: count.count for count in home.facets["license"]}
        assert home.total == 300 and home.facets_exact and licenses == {CC_BY: 200, CC0: 100}
        assert stores[0].search(SearchQuery("okapi", limit=100)).total == 300
    finally:
        for store in stores:
            store.close()


def test_a_second_store_on_the_same_database_sees_each_write_at_once(postgres_url: str) -> None:
    """Several index processes serve one PostgreSQL database: nothing a process keeps may hide another's write (on
    SQLite one process owns the index: its store keeps answers until its own next write)."""
    store, other = PostgresIndexStore(postgres_url), PostgresIndexStore(postgres_url)  # as two processes
    assert other.search(SearchQuery("axolotl")).total == 0
    store.apply(
        [UpsertResource(resource(A, "maths", "axolotl-anatomy"))], [Processed("https://a.example/c/9", "Create", "x")]
    )
    assert [hit.record.title for hit in other.search(SearchQuery("axolotl")).hits] == ["axolotl anatomy"]
    assert other.was_processed("https://a.example/c/9")
    other.apply([DeleteResource(resource(A, "maths", "axolotl-anatomy").object_id, actor(A, "maths"))])
    assert store.search(SearchQuery("axolotl")).total == 0
    assert store.search(SearchQuery()).facets == other.search(SearchQuery()).facets
    store.close()
    other.close()
