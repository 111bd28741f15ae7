"""Self-test of the Fedify peer harness, without Lectern.

Two independent peers federate with each other over loopback: peer B follows
``@alice@127.0.0.1:<A's port>`` and peer A, which auto-accepts, answers with a
signed Accept that B must receive and verify.  Run with
``pytest tests/peer -q`` after ``npm ci --prefix tests/peer``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.peer.fedify_peer import (
    FIRST_KNOCK_VALUES,
    FedifyPeer,
    PeerControlError,
    peer_unavailable_reason,
    start_peer,
)


@pytest.fixture(scope="module", autouse=True)
def _require_peer() -> None:
    """Fail (not skip) with the install command if the peer cannot run."""
    reason = peer_unavailable_reason()
    if reason is not None:
        pytest.fail(reason, pytrace=False)


@pytest.fixture(params=FIRST_KNOCK_VALUES)
def first_knock(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once per HTTP signature spec."""
    value: str = request.param
    return value


@pytest.fixture
def peers(first_knock: str) -> Iterator[tuple[FedifyPeer, FedifyPeer]]:
    """Two fresh peers, both trying *first_knock* first."""
    with start_peer(first_knock=first_knock) as peer_a:
        with start_peer(first_knock=first_knock) as peer_b:
            yield peer_a, peer_b


def test_health_describes_the_peer() -> None:
    with start_peer() as peer:
        health = peer.health()
    assert health["port"] == peer.port
    assert health["actor"] == peer.actor_id
    assert health["handle"] == peer.handle
    assert health["inbox"] == peer.inbox_url
    assert health["first_knock"] == "draft-cavage-http-signatures-12"


def test_lookup_resolves_a_remote_handle(peers: tuple[FedifyPeer, FedifyPeer]) -> None:
    peer_a, peer_b = peers
    actor = peer_b.lookup(peer_a.handle)
    assert actor["id"] == peer_a.actor_id
    assert actor["type"] == "Person"
    assert actor["preferredUsername"] == "alice"
    assert actor["inbox"] == peer_a.inbox_url
    assert actor["publicKey"]["owner"] == peer_a.actor_id
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]


def test_lookup_of_unknown_handle_is_404(peers: tuple[FedifyPeer, FedifyPeer]) -> None:
    peer_a, peer_b = peers
    with pytest.raises(PeerControlError) as caught:
        peer_b.lookup(f"@nobody@127.0.0.1:{peer_a.port}")
    assert caught.value.status == 404


def test_follow_is_accepted_with_verified_signatures(peers: tuple[FedifyPeer, FedifyPeer], first_knock: str) -> None:
    peer_a, peer_b = peers

    result = peer_b.follow(peer_a.handle)
    assert result["actor"] == peer_a.actor_id
    follow_id = result["follow_id"]

    # A received the Follow, signed by B with B's first-knock spec.
    follow = peer_a.wait_for_activity("Follow", actor=peer_b.actor_id)
    assert follow["id"] == follow_id
    assert follow["object_id"] == peer_a.actor_id
    assert follow["verified"] is True
    assert follow["http_signature"]["scheme"] == first_knock
    assert follow["http_signature"]["verified"] is True
    assert follow["http_signature"]["key_owner"] == peer_b.actor_id

    # B received A's Accept of that Follow, verified by Fedify.
    accept = peer_b.wait_for_activity("Accept", actor=peer_a.actor_id, object_id=follow_id)
    assert accept["verified"] is True
    assert accept["recipient"] == "alice"
    assert accept["http_signature"]["scheme"] == first_knock
    assert accept["http_signature"]["verified"] is True
    assert accept["http_signature"]["key_owner"] == peer_a.actor_id
    assert accept["activity"]["type"] == "Accept"
    assert peer_b.rejected() == []

    assert peer_a.followers() == [peer_b.actor_id]
    assert [f["state"] for f in peer_b.follows()] == ["accepted"]

    # Undo(Follow) removes B from A's followers.
    undo = peer_b.undo(follow_id)
    received = peer_a.wait_for_activity("Undo", actor=peer_b.actor_id)
    assert received["id"] == undo["undo_id"]
    assert received["object_id"] == follow_id
    assert peer_a.followers() == []
    assert [f["state"] for f in peer_b.follows()] == ["undone"]


def test_mixed_first_knock_specs_interoperate() -> None:
    """A cavage-first peer and an RFC 9421-first peer federate; each signs with its own."""
    with start_peer(first_knock="draft-cavage-http-signatures-12") as peer_a:
        with start_peer(first_knock="rfc9421") as peer_b:
            follow_id = peer_b.follow(peer_a.handle)["follow_id"]
            follow = peer_a.wait_for_activity("Follow", actor=peer_b.actor_id)
            assert follow["http_signature"]["scheme"] == "rfc9421"
            accept = peer_b.wait_for_activity("Accept", object_id=follow_id)
            assert accept["http_signature"]["scheme"] == "draft-cavage-http-signatures-12"


def test_reject_mode() -> None:
    with start_peer(auto_accept="reject") as peer_a, start_peer() as peer_b:
        follow_id = peer_b.follow(peer_a.handle)["follow_id"]
        reject = peer_b.wait_for_activity("Reject", actor=peer_a.actor_id, object_id=follow_id)
        assert reject["verified"] is True
        assert peer_a.followers() == []
        assert [f["state"] for f in peer_b.follows()] == ["rejected"]


def test_unsigned_delivery_is_refused() -> None:
    """Fedify answers 401 to an unsigned POST and the peer records it as refused."""
    with start_peer() as peer:
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "http://127.0.0.1:9/activities/1",
            "type": "Create",
            "actor": "http://127.0.0.1:9/users/mallory",
            "object": {"id": "http://127.0.0.1:9/notes/1", "type": "Note", "content": "hi"},
        }
        request = urllib.request.Request(
            peer.inbox_url,
            data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/activity+json"},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(request, timeout=10)
        assert caught.value.code == 401
        assert peer.inbox() == []
        refused = peer.rejected()
        assert [(r["type"], r["reason"]) for r in refused] == [("Create", "noSignature")]


def test_invalid_first_knock_is_rejected_before_start() -> None:
    with pytest.raises(ValueError):
        start_peer(first_knock="hs2019")
