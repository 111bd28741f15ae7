"""Malformed and unauthenticated input to the inbox of a real `lectern serve` (issue 12): every case is a 4xx with a
JSON reason, never a 500, and the cases the input alone can refuse cost no fetch of any key.

Each class is tested through a few members: bodies that break the JSON parser's limits (depth, number length, lone
surrogates escaped or as raw bytes, wherever they sit in the activity), ids that are not http(s) URLs, keyIds that
break URL parsing or IDNA, signatures that are not base64, content types that are not JSON, and signatures that
cover too little (no host on a POST, no RFC 9421 `created`) or carry a malformed digest.
"""

from __future__ import annotations

import http.client
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from lectern.federation_shim.cavage import sign_headers
from lectern.federation_shim.digests import digest_header
from lectern.federation_shim.http_dates import current_http_date
from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteActor, RemoteServer
from tests.lectern_server import LecternServer

INBOX = "/ap/actors/fractions/inbox"


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("malformed") / "project"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


def post(shim: LecternServer, body: bytes, headers: dict[str, str], path: str = INBOX) -> tuple[int, dict[str, Any]]:
    """POST with http.client, so header values go out byte for byte (latin-1), as a hostile client sends them."""
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=30)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in headers.items():
            if name.lower() not in ("host", "content-length"):
                connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
        assert response.getheader("Content-Type", "").startswith("application/json"), raw[:200]
        return response.status, json.loads(raw)
    finally:
        connection.close()


def follow(actor: RemoteActor, shim: LecternServer) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.id}/follows/{uuid.uuid4()}",
        "type": "Follow",
        "actor": actor.id,
        "object": f"{shim.site_url}/ap/actors/fractions.json",
    }


def signed(actor: RemoteActor, shim: LecternServer, body: bytes, scheme: str = "cavage") -> dict[str, str]:
    return actor.sign(shim.site_url + INBOX, body, scheme=scheme)


def fetches(remote: RemoteServer) -> int:
    return sum(1 for method, _path in remote.requests if method == "GET")


def refused_without_fetch(
    shim: LecternServer, remote: RemoteServer, body: bytes, headers: dict[str, str], status: int, reason: str
) -> dict[str, Any]:
    before = fetches(remote)
    got, answer = post(shim, body, headers)
    assert (got, answer.get("reason")) == (status, reason), answer
    assert answer["status"] == "error" and answer["detail"]
    assert fetches(remote) == before, "refused from the input alone, yet a key was fetched"
    return answer


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 60_000 + b"]" * 60_000, "too_deep"),
        (b'{"a":' * 60_000 + b"1" + b"}" * 60_000, "too_deep"),
        (b'{"id": "https://x.example/1", "n": ' + b"7" * 5000 + b"}", "number_too_long"),
        (b'{"id": "https://x.example/1", "n": -' + b"7" * 5000 + b".5e3}", "number_too_long"),
        (b'{"id": "https://x.example/1", "n": 1e999}', "number_too_large"),
        (b'{"id": "https://x.example/1", "n": NaN}', "invalid_json"),
        (b'{"id": "https://x.example/1"', "invalid_json"),
        (b"\xff\xfe\x00", "invalid_json"),
    ],
)
def test_bodies_beyond_the_parsers_bounds_are_400(
    shim: LecternServer, remote: RemoteServer, body: bytes, reason: str
) -> None:
    headers = signed(remote.actors["alice"], shim, body)
    refused_without_fetch(shim, remote, body, headers, 400, reason)


@pytest.mark.parametrize("where", ["actor", "id", "object", "object.id", "nested key", "raw bytes"])
def test_a_lone_surrogate_anywhere_is_400(shim: LecternServer, remote: RemoteServer, where: str) -> None:
    alice = remote.actors["alice"]
    activity: dict[str, Any] = follow(alice, shim)
    marker = "SURROGATE"
    if where == "actor":
        activity["actor"] = alice.id + marker
    elif where == "id":
        activity["id"] += marker
    elif where == "object":
        activity["object"] += marker
    elif where == "object.id":
        activity["object"] = {"id": activity["object"] + marker, "type": "Group"}
    else:
        activity["tag"] = [{"name" + marker: "x"}]
    text = json.dumps(activity)
    escaped = "\\ud800" if where != "raw bytes" else "\udcff"
    body = text.replace(marker, escaped).encode("utf-8", "surrogatepass")
    if where == "raw bytes":
        body = text.replace(marker, "").encode().replace(b'"x"', b'"\xed\xa0\x80"')
    refused_without_fetch(shim, remote, body, signed(alice, shim, body), 400, "invalid_unicode")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "acct:alice@example.com"),
        ("actor", "http://[::1/users/a"),
        ("actor", "http://127.0.0.1:99999/users/a"),
        ("actor", "http://a..b/users/a"),
        ("actor", "https://\u2488.example/users/a"),
        ("id", "urn:uuid:0b1c7a46-8d4c-4a61-9d8b-4dd8d7b1b6b1"),
        ("id", "https://exa mple.org/1"),
        ("id", "https://" + "a" * 64 + ".example/1"),
        ("id", "https://x.example/" + "a" * 3000),
    ],
)
def test_ids_that_are_not_http_urls_are_400(shim: LecternServer, remote: RemoteServer, field: str, value: str) -> None:
    activity = follow(remote.actors["alice"], shim)
    activity[field] = value
    body = json.dumps(activity).encode()
    refused_without_fetch(shim, remote, body, signed(remote.actors["alice"], shim, body), 400, "invalid_activity")


@pytest.mark.parametrize(
    "key_id",
    [
        "http://127.0.0.1:99999/x",
        "http://[::1/x",
        "http://a..b/x",
        "http://\u00e9..b/x",
        "acct:alice@example.com",
        "http://user@127.0.0.1/x",
        "http://127.0.0.1:0/x",
    ],
)
def test_keyids_that_are_not_http_urls_are_401_without_a_fetch(
    shim: LecternServer, remote: RemoteServer, key_id: str
) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim)
    body = json.dumps(activity).encode()
    headers = alice.sign(shim.site_url + INBOX, body, key_id=key_id)
    refused_without_fetch(shim, remote, body, headers, 401, "invalid_key_id")


@pytest.mark.parametrize("signature", ["éAAAA", "AAAA\u00ff", "not base64!", "QUJ"])
def test_signatures_that_are_not_base64_are_401(shim: LecternServer, remote: RemoteServer, signature: str) -> None:
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = signed(alice, shim, body)
    headers["Signature"] = re.sub(r'signature="[^"]*"', f'signature="{signature}"', headers["Signature"])
    refused_without_fetch(shim, remote, body, headers, 401, "unparsable_signature")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
def test_bodies_that_are_not_json_by_content_type_are_415(
    shim: LecternServer, remote: RemoteServer, content_type: str | None
) -> None:
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = signed(alice, shim, body)
    headers.pop("Content-Type")
    if content_type is not None:
        headers["Content-Type"] = content_type  # not signed then: the 415 comes before the signature anyway
    refused_without_fetch(shim, remote, body, headers, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        "application/ld+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/json",
        "application/json; charset=utf-8",
    ],
)
def test_json_content_types_are_accepted(shim: LecternServer, remote: RemoteServer, content_type: str) -> None:
    alice = remote.actors["alice"]
    activity = {**follow(alice, shim), "type": "Like"}
    body = json.dumps(activity).encode()
    url = shim.site_url + INBOX
    headers = {"Date": current_http_date(), "Digest": digest_header(body), "Content-Type": content_type}
    headers["Signature"] = sign_headers(
        "POST",
        url,
        headers,
        ("(request-target)", "host", "date", "digest", "content-type"),
        key_id=alice.key_id,
        private_key=alice.key,
    )
    status, answer = post(shim, body, headers)
    assert (status, answer["reason"]) == (202, "ignored"), answer


def test_a_post_whose_signature_does_not_cover_host_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    """Signed for any server, it would be valid at every server: Akkoma requires host on every request."""
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = {"Date": current_http_date(), "Digest": digest_header(body), "Content-Type": "application/activity+json"}
    headers["Signature"] = sign_headers(
        "POST",
        shim.site_url + INBOX,
        headers,
        ("(request-target)", "date", "digest"),
        key_id=alice.key_id,
        private_key=alice.key,
    )
    refused_without_fetch(shim, remote, body, headers, 401, "host_not_signed")


def test_an_rfc9421_signature_without_created_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    from lectern.federation_shim.http_signatures import sign_request_rfc9421

    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = {"Content-Type": "application/activity+json"}
    headers |= sign_request_rfc9421(
        "POST",
        shim.site_url + INBOX,
        headers=headers,
        body=body,
        key_id=alice.key_id,
        private_key=alice.key,
        include_created=False,
    )
    refused_without_fetch(shim, remote, body, headers, 401, "date_not_signed")


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Content-Digest", "sha-256=:not base64:"),
        ("Content-Digest", "sha-256=:AAAA:"),
        ("Content-Digest", "sha-256=12"),
        ("Content-Digest", "(("),
    ],
)
def test_a_malformed_content_digest_is_400(shim: LecternServer, remote: RemoteServer, header: str, value: str) -> None:
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = signed(alice, shim, body, scheme="rfc9421")
    headers[header] = value
    refused_without_fetch(shim, remote, body, headers, 400, "digest_malformed")


@pytest.mark.parametrize("value", ["SHA-256=éAAAA", "SHA-256=AAAA", "SHA-256", "=x"])
def test_a_malformed_digest_is_400(shim: LecternServer, remote: RemoteServer, value: str) -> None:
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    headers = signed(alice, shim, body)
    headers["Digest"] = value
    refused_without_fetch(shim, remote, body, headers, 400, "digest_malformed")


def test_errors_outside_the_inbox_are_json_too(shim: LecternServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=30)
    try:
        connection.request("PUT", INBOX, body=b"{}")  # the inbox only takes POST
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert (response.status, answer["status"]) == (405, "error")
    finally:
        connection.close()


def test_a_content_length_in_non_ascii_digits_is_not_a_500(shim: LecternServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=30)
    try:
        connection.putrequest("POST", INBOX)
        connection.putheader("Content-Type", "application/activity+json")
        connection.putheader("Content-Length", "\u00b2")
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        assert 400 <= response.status < 500
    finally:
        connection.close()


def test_a_keyid_on_another_host_than_the_actor_is_401_without_a_fetch(
    shim: LecternServer, remote: RemoteServer
) -> None:
    """A key is only accepted on its owner's host, so the input alone refuses it (`localhost` names the same server
    as 127.0.0.1, but it is another host)."""
    alice = remote.actors["alice"]
    body = json.dumps(follow(alice, shim)).encode()
    key_id = alice.key_id.replace("127.0.0.1", "localhost")
    headers = alice.sign(shim.site_url + INBOX, body, key_id=key_id)
    refused_without_fetch(shim, remote, body, headers, 401, "signer_is_not_actor")


class ActorWithInbox(RemoteActor):
    """A remote actor whose document names `hostile_inbox` as its inbox and shared inbox."""

    hostile_inbox = ""

    def document(self) -> dict[str, Any]:
        return super().document() | {"inbox": self.hostile_inbox, "endpoints": {"sharedInbox": self.hostile_inbox}}


@pytest.mark.parametrize("hostile_inbox", ["http://a..b/inbox", "http://[::1/inbox", "http://127.0.0.1:99999/i"])
def test_a_follower_whose_inbox_is_not_a_usable_url_is_refused(
    shim: LecternServer, remote: RemoteServer, hostile_inbox: str
) -> None:
    """Its inbox would be stored and delivered to; it must pass the same URL parser as everything else."""
    name = f"odd-{uuid.uuid4().hex[:8]}"
    actor = ActorWithInbox(remote.base, name, remote.actors["alice"].key)
    actor.hostile_inbox = hostile_inbox
    remote.actors[name] = actor
    body = json.dumps(follow(actor, shim)).encode()
    status, answer = post(shim, body, signed(actor, shim, body))
    assert (status, answer["reason"]) == (422, "actor_without_inbox"), answer
