"""Hostile interactions at the inbox of a real `lectern serve`: what does not concern our resources is not kept, an
unsigned Like or a forged reply is refused, a 2 MB reply is too large, and a server sending 1,000 replies in a minute
is slowed down (429, Retry-After) without losing any reply the shim accepted."""

from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteActor, RemoteServer
from tests.federation_shim.shim_client import post_signed
from tests.lectern_server import LecternServer

RESOURCE = "fractions/fraction-strips"


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("community-hostile") / "project"), verbose=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("ana", 1)
    server.add("bob", 2)
    yield server
    server.stop()


def reply(actor: RemoteActor, note_id: str, content: str = "<p>Worked well</p>", **fields: Any) -> dict[str, Any]:
    post = {"id": f"{actor.id}/notes/{uuid.uuid4()}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": note_id, "content": content, **fields}  # fmt: skip
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{post['id']}/activity", "type": "Create",
            "actor": actor.id, "object": post}  # fmt: skip


def stored(shim: LecternServer) -> list[str]:
    path = shim.project / "instance" / "review.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT activity_id FROM review_items ORDER BY activity_id")]
    finally:
        db.close()


def test_what_is_not_about_us_or_not_theirs_is_not_kept(shim: LecternServer, remote: RemoteServer) -> None:
    ana, bob = remote.actors["ana"], remote.actors["bob"]
    note = shim.get_json(f"/ap/objects/{RESOURCE}.json")["id"]
    before = stored(shim)
    status, _headers, answer = post_signed(shim, ana, reply(ana, "https://elsewhere.example/notes/1"))
    assert (status, answer["reason"]) == (202, "ignored")
    forged = reply(ana, note, attributedTo=bob.id)  # ana's server claims bob wrote it
    status, _headers, answer = post_signed(shim, ana, forged)
    assert (status, answer["reason"]) == (403, "not_yours")
    like = {"id": f"{ana.id}/likes/{uuid.uuid4()}", "type": "Like", "actor": ana.id, "object": note}
    unsigned = json.dumps(like).encode()
    status, answer = post_unsigned(shim, unsigned)
    assert (status, answer["reason"]) == (401, "no_signature")
    assert stored(shim) == before


def test_a_2_mb_reply_is_too_large_and_not_kept(shim: LecternServer, remote: RemoteServer) -> None:
    ana = remote.actors["ana"]
    note = shim.get_json(f"/ap/objects/{RESOURCE}.json")["id"]
    before = stored(shim)
    body = json.dumps(reply(ana, note, "<p>" + "x" * 2_000_000 + "</p>")).encode()
    path = "/ap/actors/fractions/inbox"
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=15)
    connection.putrequest("POST", path)
    for name, value in ana.sign(shim.site_url + path, body).items():
        if name.lower() != "host":
            connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    try:
        connection.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the shim answered before reading it all
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())["reason"]) == (413, "too_large")
    connection.close()
    assert stored(shim) == before


def post_unsigned(shim: LecternServer, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{shim.site_url}/ap/actors/fractions/inbox", data=body, method="POST",
                                     headers={"Content-Type": "application/activity+json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_flood_of_replies_is_slowed_down_and_nothing_accepted_is_lost(
    shim: LecternServer, remote: RemoteServer
) -> None:
    bob = remote.actors["bob"]
    note = shim.get_json(f"/ap/objects/{RESOURCE}.json")["id"]
    accepted, slowed = [], 0
    for _ in range(1000):
        activity = reply(bob, note)
        status, headers, answer = post_signed(shim, bob, activity)
        if status == 202:
            assert answer["reason"] == "reply"
            accepted.append(activity["id"])
        else:
            assert (status, answer["reason"]) == (429, "rate_limited") and headers["retry-after"] == "60"
            slowed += 1
    assert 0 < len(accepted) <= 60 and len(accepted) + slowed == 1000
    kept = [activity for activity in stored(shim) if activity.startswith(bob.id)]
    assert sorted(kept) == sorted(accepted)
