"""Property: no request makes the discovery index answer a server error (issue 12). Hypothesis sends inbox POSTs
with arbitrary bodies and Signature headers, search queries with arbitrary parameters, and WebFinger queries, to the
index under a real uvicorn server on loopback (key fetches go to 127.0.0.1 only: tests/fuzz_server.py).

As for the shim, the only 5xx allowed is 503 with Retry-After and a JSON reason for a key that could not be fetched
for a temporary reason. Each test is bounded by `max_examples` and a per-example `deadline`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lectern.discovery_index.app import create_app
from lectern.discovery_index.config import make_config
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
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    config = make_config(str(tmp_path_factory.mktemp("fuzz-index")), None, "127.0.0.1", 8100, False)

    def loopback_keys(app: Any) -> None:
        app.state.service.inbox.key_lookup = loopback_key_cache()

    with FuzzServer(create_app(config), loopback_keys) as server:
        yield server


def check_json(status: int, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    assert headers["content-type"].startswith(("application/json", "application/jrd+json")), (status, raw[:200])
    answer: dict[str, Any] = json.loads(raw)
    assert b"Traceback" not in raw
    if status >= 500:
        assert (status, answer.get("reason")) in {(503, reason) for reason in TEMPORARY}, answer
        assert "retry-after" in headers, answer
    return answer


@FUZZ
@given(body=bodies(), headers=signed_headers())
def test_no_inbox_post_is_a_server_error(index: FuzzServer, body: bytes, headers: dict[str, str]) -> None:
    status, answer_headers, raw = index.request(
        "POST", "/inbox", body, {name: value.encode("latin-1") for name, value in headers.items()}
    )
    check_json(status, answer_headers, raw)


query_values = st.one_of(
    st.text(max_size=30),
    header_text,
    st.sampled_from(["\u00b2", "\u2460", "\u0663", "9" * 5000, "-1", "1e9", "", "NEAR(a b)", '"', "*", "title:x"]),
)


@FUZZ
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(
                ["q", "limit", "offset", "license", "language", "level", "type", "subject", "instance", "x"]
            ),
            query_values,
        ),
        max_size=6,
    ),
    path=st.sampled_from(["/api/search", "/search", "/api/collections", "/"]),
)
def test_no_search_query_is_a_server_error(index: FuzzServer, params: list[tuple[str, str]], path: str) -> None:
    query = urlencode([(name, value.encode("utf-8", "surrogatepass")) for name, value in params])
    status, headers, raw = index.request("GET", f"{path}?{query}")
    assert status < 500, raw[:300]
    if path.startswith("/api/"):
        check_json(status, headers, raw)
        assert status in (200, 400)


@FUZZ
@given(resource=st.one_of(st.text(max_size=80), header_text, st.sampled_from(["acct:index@127.0.0.1:8100", "%"])))
def test_no_webfinger_query_is_a_server_error(index: FuzzServer, resource: str) -> None:
    query = urlencode({"resource": resource.encode("utf-8", "surrogatepass")})
    status, headers, raw = index.request("GET", f"/.well-known/webfinger?{query}")
    check_json(status, headers, raw)
    assert status in (200, 400, 404)
