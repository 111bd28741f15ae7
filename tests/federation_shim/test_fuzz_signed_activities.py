"""Property: a validly signed activity, whatever its content, never makes a real `lectern serve` answer a server
error (issue 12). The fuzz tests of tests/federation_shim/test_fuzz_requests.py rarely get past the signature; here
a real remote actor (tests/federation_shim/remote_actors.py) signs every example, so Follow, Undo and Delete
handling meet hostile objects: lists, nested objects, foreign or unknown actors, hostile strings."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.fuzz_strategies import json_values, url_like
from tests.lectern_server import LecternServer

INBOX = "/ap/actors/fractions/inbox"


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("signed-fuzz") / "project"), verbose=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


@st.composite
def objects(draw: st.DrawFn, ours: str, alice: str) -> Any:
    """What an activity's `object` may be: our actor, alice, a Follow of either, or anything at all."""
    ids = st.sampled_from([ours, alice, ours + "x", f"{alice}/follows/1"]) | url_like
    return draw(
        st.one_of(
            ids,
            json_values,
            st.lists(ids | json_values, max_size=3),
            st.fixed_dictionaries(
                {"type": st.sampled_from(["Follow", "Like", "Person"]) | json_values},
                optional={"id": ids | json_values, "actor": ids | json_values, "object": ids | json_values},
            ),
        )
    )


@settings(
    max_examples=150,
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_signed_activity_is_a_server_error(shim: LecternServer, remote: RemoteServer, data: st.DataObject) -> None:
    alice = remote.actors["alice"]
    ours = f"{shim.site_url}/ap/actors/fractions.json"
    activity: dict[str, Any] = {
        "id": f"{alice.id}/activities/{uuid.uuid4()}",
        "type": data.draw(st.sampled_from(["Follow", "Undo", "Delete", "Accept", "Update", "Like"])),
        "actor": data.draw(st.sampled_from([alice.id, {"id": alice.id}, {"id": alice.id, "type": "Person"}])),
        "object": data.draw(objects(ours, alice.id)),
    }
    for name in data.draw(st.lists(st.sampled_from(["to", "cc", "@context", "published", "signature"]), max_size=3)):
        activity[name] = data.draw(json_values)
    body = json.dumps(activity).encode()
    headers = {k: v for k, v in alice.sign(shim.site_url + INBOX, body).items() if k != "Host"}
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=30)
    try:
        connection.request("POST", INBOX, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    answer = json.loads(raw)
    assert response.status < 500, answer
    assert answer["status"] in ("accepted", "error")
