"""The manifest round-trips, is byte-for-byte deterministic, and a damaged one only costs HEAD requests."""

from __future__ import annotations

import gzip

import pytest

from lectern.publish.manifest import Entry, Manifest, decode, encode

ENTRIES = {
    "index.html": Entry("a" * 64, '"etag1"', 120, "text/html; charset=utf-8", "public, max-age=60, must-revalidate"),
    "big.mp4": Entry("b" * 64, '"etag2-2"', 9437184, "video/mp4", "public, max-age=3600"),
    "ap/objects/c/old.json": Entry(
        "c" * 64, '"e3"', 90, "application/activity+json", "public, max-age=60, must-revalidate", tombstone=True
    ),
}


def test_entries_and_pending_invalidations_round_trip() -> None:
    assert decode(encode(ENTRIES, ["/b", "/a", "/a"])) == Manifest(ENTRIES, ("/a", "/b"))


def test_the_same_entries_give_the_same_bytes() -> None:
    assert encode(ENTRIES) == encode(dict(reversed(list(ENTRIES.items()))))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not gzip",
        gzip.compress(b"[]"),
        gzip.compress(b'{"version": 99}'),
        gzip.compress(b'{"version": 1, "headers": [], "objects": {"a": [1]}}'),
    ],
)
def test_a_damaged_or_foreign_manifest_counts_as_empty(data: bytes) -> None:
    assert decode(data) == Manifest()
