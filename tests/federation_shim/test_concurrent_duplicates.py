"""One activity delivered many times at once (a sender's retries racing each other, or a replay): it takes effect
once and is answered with one Accept, however close together the copies arrive."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.federation_shim.shim_client import follow_of, post_signed, stored, wait_for
from tests.lectern_server import LecternServer

COPIES = 20


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


@pytest.fixture
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("duplicates") / "project"))
    yield server
    server.stop()


def accepts_of(remote: RemoteServer, follow_id: str) -> list[dict[str, Any]]:
    return [a for a in list(remote.received) if a.get("type") == "Accept" and a["object"]["id"] == follow_id]


def test_the_same_follow_sent_20_times_at_once_is_stored_once_and_accepted_once(
    shim: LecternServer, remote: RemoteServer
) -> None:
    alice = remote.actors["alice"]
    activity = follow_of(alice, shim)
    start = threading.Barrier(COPIES)

    def send(_: int) -> tuple[int, str]:
        start.wait()
        status, _headers, answer = post_signed(shim, alice, activity)
        return status, answer["reason"]

    with ThreadPoolExecutor(COPIES) as pool:
        answers = list(pool.map(send, range(COPIES)))

    assert sorted(answers) == [(202, "duplicate")] * (COPIES - 1) + [(202, "followed")], answers
    assert stored(shim, activity["id"], alice.id) == (1, 1)
    wait_for(lambda: bool(accepts_of(remote, activity["id"])), "the Accept")
    # only the copy answered "followed" has an Accept to send (the answers above); the Accepts received agree, also
    # once a second Follow, sent after them, has had its own Accept delivered
    other = follow_of(alice, shim, "python-basics")
    assert post_signed(shim, alice, other)[0] == 202
    wait_for(lambda: bool(accepts_of(remote, other["id"])), "the Accept of the second Follow")
    assert len(accepts_of(remote, activity["id"])) == 1, json.dumps(remote.received, indent=1)
