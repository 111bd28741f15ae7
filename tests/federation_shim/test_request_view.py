"""Examples of the request parts that signatures cover."""

from __future__ import annotations

import pytest

from lectern.federation_shim.request_view import TargetURI, headers_from_pairs, lowercase_headers


def test_authority_is_lower_case_and_drops_the_default_port() -> None:
    assert TargetURI.parse("https://Lectern.Example:443/inbox").authority == "lectern.example"
    assert TargetURI.parse("http://lectern.example:80/").authority == "lectern.example"
    assert TargetURI.parse("https://lectern.example:8443/").authority == "lectern.example:8443"
    assert TargetURI.parse("http://[::1]:8080/inbox").authority == "[::1]:8080"


def test_request_target_keeps_the_raw_path_and_the_query() -> None:
    target = TargetURI.parse("https://lectern.example/users/a%40b/inbox?page=2&x=%20")
    assert target.request_target == "/users/a%40b/inbox?page=2&x=%20"
    assert target.path == "/users/a%40b/inbox"
    assert target.query == "page=2&x=%20"


def test_empty_path_is_a_slash_and_absent_query_is_none() -> None:
    target = TargetURI.parse("https://lectern.example")
    assert target.path == "/"
    assert target.query is None
    assert target.request_target == "/"


@pytest.mark.parametrize("uri", ["/inbox", "ftp://lectern.example/", "https:///x", "http://h:x/"])
def test_non_http_or_relative_uris_are_refused(uri: str) -> None:
    with pytest.raises(ValueError):
        TargetURI.parse(uri)


def test_header_names_are_lower_cased_and_values_trimmed() -> None:
    assert lowercase_headers({"Content-Type": " application/activity+json "}) == {
        "content-type": "application/activity+json"
    }


def test_repeated_raw_headers_are_joined_with_comma_space() -> None:
    pairs = [(b"Accept", b"a/b"), (b"accept", b"c/d "), (b"Host", b"lectern.example")]
    assert headers_from_pairs(pairs) == {"accept": "a/b, c/d", "host": "lectern.example"}
