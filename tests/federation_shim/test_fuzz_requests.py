"""Property: no request makes the shim answer a server error (issue 12). Hypothesis sends inbox POSTs with arbitrary
bodies and Signature headers, and WebFinger queries, to the shim under a real uvicorn server on loopback.

The only 5xx allowed is the designed one: 503 with a Retry-After header and a JSON reason when a key could not be
fetched for a temporary reason or its host was asked too often (`admission`). Key fetches go to 127.0.0.1 only
(tests/fuzz_server.py). Each test is bounded by `max_examples` and a per-example `deadline`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lectern.settings import Settings
from lectern.shim_app import create_app
from tests.fuzz_server import FuzzServer, loopback_key_cache
from tests.fuzz_strategies import bodies, header_text, signed_headers

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=5),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEMPORARY = {"key_fetch_failed", "key_fetch_limited"}


@pytest.fixture(scope="module")
def shim(built_site: tuple[Settings, Path]) -> Iterator[FuzzServer]:
    site_settings, _output = built_site

    def loopback_keys(app: Any) -> None:
        app.state.shim.inbox.key_lookup = loopback_key_cache()

    with FuzzServer(create_app(site_settings, deliver=False), loopback_keys) as server:
        yield server


def check_answer(status: int, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(raw)
    assert headers["content-type"].startswith(("application/json", "application/jrd+json")), headers
    assert b"Traceback" not in raw
    if status >= 500:
        assert (status, answer.get("reason")) in {(503, reason) for reason in TEMPORARY}, answer
        assert "retry-after" in headers, answer
    return answer


def latin1(headers: dict[str, str]) -> dict[str, bytes]:
    return {name: value.encode("latin-1") for name, value in headers.items()}


@FUZZ
@given(body=bodies(), headers=signed_headers(), path=st.sampled_from(["/ap/inbox", "/ap/actors/fractions/inbox"]))
def test_no_inbox_post_is_a_server_error(shim: FuzzServer, body: bytes, headers: dict[str, str], path: str) -> None:
    status, answer_headers, raw = shim.request("POST", path, body, latin1(headers))
    answer = check_answer(status, answer_headers, raw)
    assert status != 200 and answer["status"] in ("accepted", "error")


@FUZZ
@given(headers=signed_headers())
def test_no_signature_header_is_a_server_error_with_a_valid_activity(shim: FuzzServer, headers: dict[str, str]) -> None:
    body = json.dumps(
        {
            "id": "http://127.0.0.1:1/users/a/follows/1",
            "type": "Follow",
            "actor": "http://127.0.0.1:1/users/a",
            "object": "http://127.0.0.1:8000/ap/actors/fractions.json",
        }
    ).encode()
    status, answer_headers, raw = shim.request("POST", "/ap/actors/fractions/inbox", body, latin1(headers))
    check_answer(status, answer_headers, raw)
    assert status in (400, 401, 415, 503)


@FUZZ
@given(resource=st.one_of(st.text(max_size=80), header_text, st.sampled_from(["acct:fractions@127.0.0.1:8000", "%"])))
def test_no_webfinger_query_is_a_server_error(shim: FuzzServer, resource: str) -> None:
    query = quote(resource.encode("utf-8", "surrogatepass"), safe="")
    status, headers, raw = shim.request("GET", f"/.well-known/webfinger?resource={query}")
    answer = check_answer(status, headers, raw)
    assert status in (200, 400, 404), answer
