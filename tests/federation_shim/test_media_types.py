"""Examples of which content types count as ActivityPub documents."""

from __future__ import annotations

import pytest

from lectern.federation_shim.media_types import ACCEPT_ACTIVITYPUB, is_activitypub_content_type


def test_accept_header_asks_for_both_activitypub_types() -> None:
    assert ACCEPT_ACTIVITYPUB == (
        'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        "application/activity+json; charset=utf-8",
        "Application/Activity+JSON",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams https://x.example/p"',
        "application/ld+json",
    ],
)
def test_activitypub_content_types_are_accepted(content_type: str) -> None:
    assert is_activitypub_content_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/html; charset=utf-8",
        "application/json",
        "application/activity+json-evil",
        'application/ld+json; profile="https://example.com/other"',
    ],
)
def test_other_content_types_are_refused(content_type: str | None) -> None:
    assert not is_activitypub_content_type(content_type)
