"""Malformed input to a real discovery index (issue 12): a 4xx with a JSON reason, never a 500; and a delivery signed
for another server does not verify here, whatever Host it arrives with.

The index shares the shim's admission (`federation_shim.admission`), tested in depth in
tests/federation_shim/test_inbox_malformed.py; these cases check that the index uses it, and its own query API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from lectern.discovery_index.config import TOKEN_FILE
from lectern.federation_shim import sign_post
from tests.discovery_index.index_server import IndexServer
from tests.federation_shim.remote_actors import RemoteServer


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("mallory", 1)
    yield server
    server.stop()


def answer(index: IndexServer, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, Any]:
    status, raw = index.request(method, path, body, headers)
    return status, json.loads(raw)


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "\u0663", "1\u00b2", "-1", "1.5", "0x10", " 1"])
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_limit_and_offset_take_ascii_digits_only(index: IndexServer, name: str, value: str) -> None:
    status, body = answer(index, "GET", f"/api/search?{name}={quote(value)}")
    assert (status, body["reason"]) == (400, "invalid_parameter")
    status, _raw = index.request("GET", f"/search?{name}={quote(value)}")
    assert status == 400


def test_a_huge_limit_is_clamped_not_a_500(index: IndexServer) -> None:
    status, body = answer(index, "GET", "/api/search?limit=" + "9" * 5000 + "&offset=" + "0" * 5000 + "7")
    assert status == 200 and body["offset"] == 7 and body["limit"] >= 1


def follow_like(remote: RemoteServer) -> dict[str, Any]:
    mallory = remote.actors["mallory"]
    return {"id": f"{mallory.id}/likes/{uuid.uuid4()}", "type": "Like", "actor": mallory.id, "object": mallory.id}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 60_000 + b"]" * 60_000, "too_deep"),
        (b'{"n": ' + b"1" * 5000 + b"}", "number_too_long"),
        (b'{"id": "https://x.example/\\ud800", "type": "Like", "actor": "https://x.example/a"}', "invalid_unicode"),
    ],
)
def test_bodies_beyond_the_parsers_bounds_are_400(
    index: IndexServer, remote: RemoteServer, body: bytes, reason: str
) -> None:
    mallory = remote.actors["mallory"]
    headers = {k: v for k, v in mallory.sign(f"{index.url}/inbox", body).items() if k != "Host"}
    status, got = answer(index, "POST", "/inbox", body, **headers)
    assert (status, got["reason"]) == (400, reason)


def test_a_form_body_is_415(index: IndexServer, remote: RemoteServer) -> None:
    body = json.dumps(follow_like(remote)).encode()
    status, got = answer(index, "POST", "/inbox", body, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, got["reason"]) == (415, "unsupported_media_type")


def test_a_delivery_signed_for_another_server_does_not_verify(index: IndexServer, remote: RemoteServer) -> None:
    """Signed for other.example and sent with `Host: other.example`: the index verifies against its own public URL."""
    mallory = remote.actors["mallory"]
    body = json.dumps(follow_like(remote)).encode()
    headers = sign_post("http://other.example/inbox", body, key_id=mallory.key_id, private_key=mallory.key)
    status, got = answer(index, "POST", "/inbox", body, **headers)
    assert (status, got["reason"]) == (401, "invalid_signature")
    # the same activity signed for the index itself verifies (and is ignored: the index does not follow mallory)
    headers = sign_post(f"{index.url}/inbox", body, key_id=mallory.key_id, private_key=mallory.key)
    status, got = answer(index, "POST", "/inbox", body, **{k: v for k, v in headers.items() if k != "Host"})
    assert (status, got["reason"]) == (202, "not_followed")


def test_unknown_paths_and_methods_answer_json(index: IndexServer) -> None:
    status, got = answer(index, "GET", "/no/such/page")
    assert (status, got["status"]) == (404, "error")
    status, got = answer(index, "GET", "/inbox")
    assert (status, got["status"]) == (405, "error")


@pytest.mark.parametrize("source", ["http://[::1/x", "[::1", "@a@[::1", "http://a..b/", "https://x:99999/", "\u00b2"])
def test_an_admin_source_that_cannot_be_parsed_is_a_422(index: IndexServer, source: str) -> None:
    token = (index.folder / TOKEN_FILE).read_text(encoding="ascii").strip()
    body = json.dumps({"source": source}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, got = answer(index, "POST", "/_index/sources", body, **headers)
    assert (status, got["reason"]) == (422, "source"), got
    status, got = answer(index, "POST", "/_index/remove", json.dumps({"instance": source}).encode(), **headers)
    assert status == 404 and got["status"] == "error", got
