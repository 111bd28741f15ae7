"""The index's database write-locked by another process (a backup, a second `lectern index` command): a delivery is
answered 503 with Retry-After and a JSON reason within a moment, searches go on meanwhile, and the same delivery
succeeds once the lock is gone (issue 12: a busy database must not stall the service or answer 500)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from lectern.discovery_index.config import STATE_FILE
from lectern.federation_shim import sign_post
from tests.discovery_index.index_server import IndexServer
from tests.discovery_index.test_fediverse_sources import FlaggedActor, found_as_typed
from tests.federation_shim.remote_actors import RemoteServer, actor_key


@pytest.fixture
def index(tmp_path: Path) -> Iterator[IndexServer]:
    server = IndexServer(tmp_path / "index-instance", ("--actor-max-age", "0"))
    yield server
    server.stop()


def test_a_delivery_while_another_process_holds_the_write_lock_is_a_503_and_succeeds_later(
    index: IndexServer, remote: RemoteServer
) -> None:
    actor = remote.actors["busy"] = FlaggedActor(remote.base, "busy", actor_key(6), indexable=True)
    added = index.lectern_index("add", actor.id)
    assert added.returncode == 0 and ": followed" in added.stdout, added.stdout + added.stderr
    body = json.dumps(actor.create(1, "axolotl")).encode()
    headers = sign_post(f"{index.url}/inbox", body, key_id=actor.key_id, private_key=actor.key)
    headers.pop("Host")

    state_file = index.folder / STATE_FILE  # the index's store (searches.sqlite3 beside it is the searches')
    holder = sqlite3.connect(state_file, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        status, answer = index.request("POST", "/inbox", body, headers)
        assert status == 503, answer
        assert json.loads(answer)["reason"] == "database_busy"
        searched, _results = index.request("GET", "/api/search?q=anything")
        assert searched == 200  # readers are not held up by the writer's lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    status, answer = index.request("POST", "/inbox", body, headers)
    assert status == 202, answer
    assert found_as_typed(index, "axolotl") == 1
