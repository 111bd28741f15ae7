"""The index as a FASP (v0.1, mastodon/fediverse_auxiliary_service_provider_specifications), driven by our own client
playing the Fediverse server's side (`fasp_client`, modelled on Mastodon's `Fasp::Request` and
`Api::Fasp::RegistrationsController`): registration and fingerprint, signed `provider_info`, capability activation,
`account_search` over the Lectern collections the index follows (with `Link: rel="next"` paging), `data_sharing`
announcements ingested with the creators' consent, and hostile calls answered 4xx with a JSON reason."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.discovery_index.conftest import Sites
from tests.discovery_index.fasp_client import FediverseServerSide
from tests.discovery_index.index_server import IndexServer


@pytest.fixture
def side() -> Iterator[FediverseServerSide]:
    server = FediverseServerSide()
    yield server
    server.stop()


def register(index: IndexServer, side: FediverseServerSide) -> dict[str, Any]:
    token = (index.folder / "admin-token").read_text().strip()
    status, body = index.request(
        "POST",
        "/_index/fasp/servers",
        json.dumps({"url": side.url}).encode(),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert status == 201, (status, body, index.log())
    answer: dict[str, Any] = json.loads(body)
    return answer


def signed_ok(side: FediverseServerSide, answer: tuple[int, dict[str, str], bytes]) -> Any:
    status, headers, body = answer
    check = side.check_answer(status, headers, body)
    assert check.ok, (status, check, body)
    return json.loads(body) if body else None


def test_registration_and_account_search_round_trip(sites: Sites, side: FediverseServerSide) -> None:
    index = sites.index
    registered = register(index, side)
    sent = side.registrations[-1]
    assert sent["baseUrl"] == index.url and sent["name"] and sent["serverId"] == registered["server_id"]
    assert registered["fingerprint"] == side.provider_key_fingerprint()  # what the server's admin compares
    assert registered["registration_completion_uri"] == f"{side.url}/admin/fasp"

    info = signed_ok(side, side.call(index.url, "GET", "/provider_info"))
    assert {"id": "account_search", "version": "0.1"} in info["capabilities"]
    assert {"id": "data_sharing", "version": "0.1"} in info["capabilities"] and isinstance(info["privacyPolicy"], list)
    status, headers, body = side.call(index.url, "POST", "/capabilities/account_search/0/activation")
    assert status == 204 and side.check_answer(status, headers, body).ok
    status, _, body = side.call(index.url, "POST", "/capabilities/trends/0/activation")
    assert status == 404 and json.loads(body)["reason"] == "unknown_capability"

    followed = {c["handle"]: c["id"] for c in index.get_json("/api/collections")}
    fractions = [actor for handle, actor in followed.items() if handle.startswith("@fractions@")]
    assert len(fractions) == 2  # both sites have a fractions collection
    found = signed_ok(side, side.call(index.url, "GET", "/account_search/v0/search?term=fractions"))
    assert set(fractions) <= set(found) and set(found) <= set(followed.values())
    assert not signed_ok(side, side.call(index.url, "GET", "/account_search/v0/search?term=zzqxnotthere"))

    everything = signed_ok(side, side.call(index.url, "GET", "/account_search/v0/search?term=127.0.0.1&limit=80"))
    assert set(everything) == set(followed.values()) and len(everything) > 2  # so that paging takes several pages
    pages: list[str] = []
    path = "/account_search/v0/search?term=127.0.0.1&limit=2"
    for _ in range(len(everything)):
        status, headers, body = side.call(index.url, "GET", path)
        pages += signed_ok(side, (status, headers, body))
        if "link" not in headers:
            break
        link = headers["link"]
        assert link.endswith('>; rel="next"'), link
        path = urllib.parse.urlsplit(link[1 : link.index(">")])._replace(scheme="", netloc="").geturl()
    assert pages == everything  # the pages, in order, are the whole ranking, each actor once

    status, _, body = side.call(index.url, "GET", "/account_search/v0/search")
    assert status == 422 and json.loads(body)["reason"] == "missing_term"


def person(side: FediverseServerSide, name: str, *, discoverable: bool, indexable: bool) -> str:
    actor_id = f"{side.url}/users/{name}"
    return side.publish(
        f"/users/{name}",
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": actor_id,
            "type": "Person",
            "preferredUsername": name,
            "name": f"{name.title()} Teaches Geometry",
            "inbox": f"{actor_id}/inbox",
            "discoverable": discoverable,
            "indexable": indexable,
        },
    )


def note(side: FediverseServerSide, author: str, number: int, text: str) -> str:
    path = f"/notes/{number}"
    return side.publish(
        path,
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{side.url}{path}",
            "type": "Note",
            "attributedTo": author,
            "content": f"<p>{text}</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-11-30T10:00:00Z",
        },
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def own_index(tmp_path: Path) -> Iterator[IndexServer]:
    server = IndexServer(tmp_path / "index-instance")
    yield server
    server.stop()


def test_data_sharing_announcements_are_ingested_with_consent(
    own_index: IndexServer, side: FediverseServerSide
) -> None:
    register(own_index, side)
    alice = person(side, "alice", discoverable=True, indexable=True)
    bob = person(side, "bob", discoverable=True, indexable=False)
    carol = person(side, "carol", discoverable=False, indexable=True)
    consented = note(side, alice, 1, "Tessellations with pentagons for the geometry club")
    refused = [note(side, bob, 2, "Tessellations bob wants unindexed"), note(side, carol, 3, "Tessellations hidden")]
    announcement = {"source": {"subscription": {"id": "1"}}, "category": "content", "eventType": "new"}
    payload = {**announcement, "objectUris": [consented, *refused]}

    status, _, body = side.call(own_index.url, "POST", "/data_sharing/v0/announcements", payload)
    assert status == 403 and json.loads(body)["reason"] == "capability_disabled"  # not enabled yet
    assert side.call(own_index.url, "POST", "/capabilities/data_sharing/0/activation")[0] == 204
    wait_for(lambda: len(side.requests) >= 4)  # the index subscribes and asks for a backfill, signed
    asked = list(side.requests)
    assert all(check.ok for _, _, check in asked), asked
    wanted = {(path.rsplit("/", 1)[1], payload["category"]) for path, payload, _ in asked}
    assert wanted == {
        (kind, category) for kind in ("event_subscriptions", "backfill_requests") for category in ("content", "account")
    }

    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", payload))
    assert report["indexed"] == [consented]
    assert "indexable" in report["refused"][refused[0]] and "discoverable" in report["refused"][refused[1]]
    hits = own_index.search(q="tessellations")["results"]
    assert [hit["id"] for hit in hits] == [consented]

    accounts = {**announcement, "category": "account", "objectUris": [alice, carol]}
    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", accounts))
    assert report["indexed"] == [alice] and carol in report["refused"]
    assert side.call(own_index.url, "POST", "/capabilities/account_search/0/activation")[0] == 204
    assert signed_ok(side, side.call(own_index.url, "GET", "/account_search/v0/search?term=alice")) == [alice]

    deleted = {**announcement, "eventType": "delete", "objectUris": [consented]}
    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", deleted))
    assert report["removed"] == [] and consented in report["refused"]  # its origin still serves it
    del side.documents[urllib.parse.urlsplit(consented).path]
    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", deleted))
    assert report["removed"] == [consented] and own_index.search(q="tessellations")["results"] == []
    hostile = {**announcement, "objectUris": ["javascript:alert(1)", "http://[::1", "http://127.0.0.1:1/x"]}
    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", hostile))
    assert report["indexed"] == [] and len(report["refused"]) == 3

    status, _, body = side.call(own_index.url, "POST", "/data_sharing/v0/announcements", {**announcement})
    assert status == 422 and json.loads(body)["reason"] == "invalid_announcement"
    status, _, body = side.call(own_index.url, "POST", "/data_sharing/v0/announcements", body=b"{not json")
    assert status == 400 and json.loads(body)["reason"] == "invalid_json"


def test_hostile_calls_are_refused_with_a_reason(own_index: IndexServer, side: FediverseServerSide) -> None:
    status, _, body = side.call(own_index.url, "GET", "/provider_info", sign=False)
    assert status == 401 and json.loads(body)["reason"] == "no_signature"  # before any registration, too
    register(own_index, side)
    cases = {
        "no_signature": {"sign": False},
        "invalid_signature": {"key": Ed25519PrivateKey.generate()},
        "unknown_key": {"key_id": "never-registered"},
    }
    for reason, knobs in cases.items():
        status, _, body = side.call(own_index.url, "GET", "/provider_info", **knobs)
        assert (status, json.loads(body)["reason"]) == (401, reason), body
    bad_digest = {"Content-Digest": "sha-256=:" + "A" * 43 + "=:"}
    status, _, body = side.call(own_index.url, "POST", "/capabilities/account_search/0/activation", extra=bad_digest)
    assert status == 401 and json.loads(body)["reason"] == "digest_mismatch", body
    status, _, body = side.call(
        own_index.url, "POST", "/capabilities/account_search/0/activation", extra={"Content-Digest": "nonsense"}
    )
    assert status == 401 and json.loads(body)["reason"] == "digest_mismatch", body
    status, _, body = side.call(own_index.url, "GET", "/account_search/v0/search?term=x&limit=%C2%B2")
    assert status == 422 and json.loads(body)["reason"] == "invalid_parameter"
    status, _, body = side.call(own_index.url, "GET", "/account_search/v0/search?term=x&limit=0")
    assert status == 422
    status, body_bytes = own_index.request("POST", "/_index/fasp/servers", b'{"url": "http://127.0.0.1:1"}')
    assert status == 401 and json.loads(body_bytes)["reason"] == "bad_token"
    token = (own_index.folder / "admin-token").read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}
    status, body_bytes = own_index.request("POST", "/_index/fasp/servers", b'{"url": "http://127.0.0.1:1"}', auth)
    assert status == 422 and json.loads(body_bytes)["reason"] == "registration_failed"


def servers_listing(index: IndexServer) -> dict[str, Any]:
    token = (index.folder / "admin-token").read_text().strip()
    status, body = index.request("GET", "/_index/fasp/servers", b"", {"Authorization": f"Bearer {token}"})
    assert status == 200, body
    listed: list[dict[str, Any]] = json.loads(body)
    return listed[0]


def test_backfills_continue_until_the_server_has_no_more_and_turning_off_unsubscribes(
    own_index: IndexServer, side: FediverseServerSide
) -> None:
    """data_sharing.md "Requesting Historic Content" (a `cursor` asks for what follows) and Mastodon's
    `ContinuationsController` (`POST .../backfill_requests/:id/continuation` after `moreObjectsAvailable: true`);
    "Managing Subscriptions" (`DELETE .../event_subscriptions/:id` when the index stops wanting content)."""
    register(own_index, side)
    alice = person(side, "alice", discoverable=True, indexable=True)
    first, second = (note(side, alice, n, f"Origami tessellation part {n}") for n in (1, 2))
    assert side.call(own_index.url, "POST", "/capabilities/data_sharing/0/activation")[0] == 204
    wait_for(lambda: len(servers_listing(own_index)["backfills"]) == 2)  # every answer was signed: ids kept
    listing = servers_listing(own_index)
    assert sorted(listing["subscriptions"]) == ["1", "2"]
    content_backfill = next(b["remote_id"] for b in listing["backfills"] if b["category"] == "content")
    account_backfill = next(b["remote_id"] for b in listing["backfills"] if b["category"] == "account")
    base = "/api/fasp/data_sharing/v0"

    part = {"source": {"backfillRequest": {"id": content_backfill}}, "category": "content", "objectUris": [first]}
    report = signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", part))
    assert report["indexed"] == [first]
    continuation = f"POST {base}/backfill_requests/{content_backfill}/continuation"
    wait_for(lambda: any(path == continuation for path, _, _ in side.requests))

    accounts = {"source": {"backfillRequest": {"id": account_backfill}}, "category": "account", "objectUris": [alice]}
    signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", {**accounts, "cursor": "c-9"}))
    wait_for(
        lambda: any(
            payload == {"category": "account", "maxCount": 100, "cursor": "c-9"} for _, payload, _ in side.requests
        )
    )
    wait_for(lambda: account_backfill not in {b["remote_id"] for b in servers_listing(own_index)["backfills"]})

    last = {**part, "objectUris": [second], "moreObjectsAvailable": False}
    assert signed_ok(side, side.call(own_index.url, "POST", "/data_sharing/v0/announcements", last))["indexed"] == [
        second
    ]
    asked_before = len(side.requests)

    assert side.call(own_index.url, "DELETE", "/capabilities/data_sharing/0/activation")[0] == 204
    wait_for(lambda: sum(path.startswith("DELETE") for path, _, _ in side.requests) == 2)
    unsubscribed = [(path, check.ok) for path, _, check in side.requests[asked_before:]]
    assert sorted(unsubscribed) == [(f"DELETE {base}/event_subscriptions/{n}", True) for n in ("1", "2")]
    # after `moreObjectsAvailable: false` nothing more was asked: the next calls were the two unsubscriptions
    assert servers_listing(own_index)["subscriptions"] == [] and servers_listing(own_index)["backfills"] == []
    status, _, body = side.call(own_index.url, "POST", "/data_sharing/v0/announcements", part)
    assert status == 403 and json.loads(body)["reason"] == "capability_disabled"
