"""Hostile deliveries to the index's inbox change nothing: unsigned, forged, signed by someone else than the actor,
from an actor the index does not follow, Notes attributed to another actor or not public, replays; and the cheap
refusals (too large, not JSON, no actor, a Delete from a stranger) cost no fetch.

The shim's inbox is tested in depth (tests/federation_shim/test_inbox_hostile.py) and the index reuses its signature
code; these tests check the index's own order of checks and its rules about what may be indexed."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim import sign_post
from tests.discovery_index.conftest import Sites
from tests.federation_shim.remote_actors import RemoteServer, actor_key

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
WORD = "zanzibarite"  # in no resource anywhere: a search for it must stay empty


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("mallory", 1)
    yield server
    server.stop()


def site_key(sites: Sites) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        (sites.a.project / "instance" / "keys" / "private-key.pem").read_bytes(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def create(actor: str, note_id: str, attributed_to: str | None = None, to: str = PUBLIC) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}#create",
        "type": "Create",
        "actor": actor,
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": attributed_to or actor,
            "content": f"<p><strong>The {WORD} lesson</strong></p><p>Should never be indexed.</p>",
            "to": [to],
        },
    }


def post(sites: Sites, activity: dict[str, Any] | bytes, key_id: str | None, key: rsa.RSAPrivateKey | None) -> int:
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    headers = {"Content-Type": "application/activity+json"}
    if key_id and key:
        headers = sign_post(f"{sites.index.url}/inbox", body, key_id=key_id, private_key=key)
        headers.pop("Host")
    status, _answer = sites.index.request("POST", "/inbox", body, headers)
    return status


def post_too_large(sites: Sites) -> int:
    """A 2 MB body: the index answers 413 from Content-Length, maybe before it is all sent."""
    body = b"x" * 2_000_000
    connection = http.client.HTTPConnection("127.0.0.1", sites.index.port, timeout=15)
    connection.putrequest("POST", "/inbox")
    connection.putheader("Content-Type", "application/activity+json")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    try:
        connection.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = connection.getresponse()
    status = response.status
    assert json.loads(response.read())["reason"] == "too_large"
    connection.close()
    return status


def nothing_indexed(sites: Sites) -> bool:
    total: int = sites.index.search(q=WORD)["total"]
    return total == 0


def test_unsigned_forged_and_misattributed_deliveries_are_refused(sites: Sites, remote: RemoteServer) -> None:
    fractions = f"{sites.a.site_url}/ap/actors/fractions.json"
    note = f"{sites.a.site_url}/ap/objects/fractions/intruder.json"
    before = sites.index.search()["total"]

    assert post(sites, create(fractions, note), None, None) == 401  # unsigned
    assert post(sites, create(fractions, note), f"{fractions}#main-key", actor_key(2)) == 401  # forged
    mallory = remote.actors["mallory"]
    assert post(sites, create(fractions, note), mallory.key_id, mallory.key) == 401  # signer is not the actor
    assert post(sites, create(mallory.id, f"{remote.base}/notes/1"), mallory.key_id, mallory.key) == 202  # unfollowed
    assert nothing_indexed(sites) and sites.index.search()["total"] == before


def test_a_followed_actor_cannot_index_what_is_not_its_own_or_not_public(sites: Sites) -> None:
    fractions = f"{sites.a.site_url}/ap/actors/fractions.json"
    physics = f"{sites.a.site_url}/ap/actors/intro-physics.json"
    key_id, key = f"{fractions}#main-key", site_key(sites)
    objects = f"{sites.a.site_url}/ap/objects/fractions"

    assert post(sites, create(fractions, f"{objects}/a.json", attributed_to=physics), key_id, key) == 202
    assert post(sites, create(fractions, "https://elsewhere.example/notes/1"), key_id, key) == 202
    followers = f"{sites.a.site_url}/ap/actors/fractions/followers"
    assert post(sites, create(fractions, f"{objects}/b.json", to=followers), key_id, key) == 202
    assert nothing_indexed(sites)

    genuine = create(fractions, f"{objects}/c.json")
    assert post(sites, genuine, key_id, key) == 202
    assert sites.index.search(q=WORD)["total"] == 1  # the control: a real, public Note of its own is indexed
    deleted = {"id": f"{objects}/c.json#delete", "type": "Delete", "actor": fractions, "object": f"{objects}/c.json"}
    assert post(sites, deleted, key_id, key) == 202
    assert nothing_indexed(sites)
    assert post(sites, genuine, key_id, key) == 202  # a replay: processed once, so the deletion stands
    assert nothing_indexed(sites)


def test_cheap_refusals_need_no_fetch(sites: Sites, remote: RemoteServer) -> None:
    stranger = remote.add("stranger", 3)
    requests_before = len(remote.requests)
    delete = {"id": f"{stranger.id}#delete", "type": "Delete", "actor": stranger.id, "object": stranger.id}
    assert post(sites, delete, stranger.key_id, stranger.key) == 202  # a Delete from an actor never seen
    assert post_too_large(sites) == 413
    assert post(sites, b"{not json", None, None) == 400
    assert post(sites, {"id": "https://x.example/1", "type": "Create"}, None, None) == 400  # no actor
    assert len(remote.requests) == requests_before  # nothing was fetched to answer any of them
    assert nothing_indexed(sites)
