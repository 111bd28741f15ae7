"""The ActivityStreams builders, `id_of`, `timestamp`, and the port rule of `host_of` and `server_of`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lectern.federation_shim import (
    ACTIVITYSTREAMS,
    PUBLIC,
    accept_follow,
    announce,
    create,
    delete,
    follow,
    host_of,
    id_of,
    server_of,
    timestamp,
    tombstone,
    undo,
    update,
)

ADA = "https://school.example/users/ada"
BOB = "https://town.example/actors/bob"
NOTE = {"@context": ["x"], "id": "https://school.example/notes/1", "type": "Note", "content": "hi"}


def test_every_activity_has_its_keys_in_one_order() -> None:
    built = create("https://school.example/c/1", ADA, NOTE, cc=[BOB], to=[PUBLIC], published="2026-01-01T00:00:00Z")
    assert list(built) == ["@context", "id", "type", "actor", "published", "to", "cc", "object"]
    assert built["object"] == {k: v for k, v in NOTE.items() if k != "@context"}  # embedded without its context
    assert NOTE["@context"] == ["x"]  # the object passed in is not changed


def test_arguments_left_out_are_keys_left_out() -> None:
    assert follow("https://school.example/f/1", ADA, BOB) == {
        "@context": ACTIVITYSTREAMS,
        "id": "https://school.example/f/1",
        "type": "Follow",
        "actor": ADA,
        "object": BOB,
    }
    assert "@context" not in follow("https://school.example/f/1", ADA, BOB, context=None)


def test_a_boost_names_the_object_and_a_group_share_embeds_the_activity() -> None:
    assert announce("https://g.example/a/1", BOB, NOTE["id"])["object"] == NOTE["id"]
    shared = announce("https://g.example/a/2", BOB, update("https://school.example/u/1", ADA, NOTE), audience=BOB)
    assert shared["object"]["type"] == "Update" and "@context" not in shared["object"]
    assert shared["audience"] == BOB


def test_a_delete_carries_a_tombstone_or_the_actor_itself() -> None:
    gone = tombstone(NOTE["id"], "Note", "2026-03-01T00:00:00Z")
    assert gone == {"id": NOTE["id"], "type": "Tombstone", "formerType": "Note", "deleted": "2026-03-01T00:00:00Z"}
    assert delete(NOTE["id"] + "#delete", ADA, gone)["object"] is gone
    assert delete(f"{ADA}#delete", ADA, ADA)["object"] == ADA
    page = tombstone(NOTE["id"], "Note", "2026-03-01T00:00:00Z", context=ACTIVITYSTREAMS, url="https://s.example/1/")
    assert list(page) == ["@context", "id", "type", "formerType", "deleted", "url"]


def test_an_undo_embeds_the_follow_it_takes_back() -> None:
    taken_back = undo(
        "https://school.example/f/1/undo", ADA, follow("https://school.example/f/1", ADA, BOB, context=None)
    )
    assert taken_back["object"] == {"id": "https://school.example/f/1", "type": "Follow", "actor": ADA, "object": BOB}


def test_the_accept_of_a_follow_is_stable_and_embeds_it() -> None:
    received = {
        "@context": ACTIVITYSTREAMS,
        "id": f"{BOB}#follows/1",
        "type": "Follow",
        "actor": {"id": BOB},
        "object": ADA,
    }
    accept = accept_follow(received, ADA)
    assert accept == accept_follow(dict(received), ADA)
    assert (
        accept["id"].startswith(f"{ADA}#accepts/") and accept["id"] != accept_follow(received | {"id": "x"}, ADA)["id"]
    )
    assert accept["object"] == {"id": f"{BOB}#follows/1", "type": "Follow", "actor": BOB, "object": ADA}
    assert json.loads(json.dumps(accept)) == accept


def test_id_of_reads_a_link_or_an_embedded_object() -> None:
    assert id_of(BOB) == BOB
    assert id_of({"id": BOB, "type": "Person"}) == BOB
    assert id_of({"type": "Person"}) is None
    assert id_of(7) is None and id_of({"id": 7}) is None


def test_a_timestamp_is_utc_to_the_second() -> None:
    paris = timezone(timedelta(hours=1))
    assert timestamp(datetime(2026, 3, 1, 13, 0, 5, 999, tzinfo=paris)) == "2026-03-01T12:00:05Z"
    assert timestamp(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == "2026-03-01T12:00:00Z"
    assert timestamp(datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00Z"  # naive: taken as UTC
    assert timestamp(date(2026, 3, 1)) == "2026-03-01T00:00:00Z"


@pytest.mark.parametrize(
    ("url", "host", "server"),
    [
        ("https://School.Example/users/ada", "school.example", "school.example"),
        ("https://school.example:443/users/ada", "school.example", "school.example"),
        ("http://school.example:80/x", "school.example", "school.example"),
        ("https://school.example:8443/x", "school.example", "school.example:8443"),
        ("http://127.0.0.1:8001/inbox", "127.0.0.1", "127.0.0.1:8001"),
        ("http://[::1]:8001/inbox", "::1", "[::1]:8001"),
        ("https://user@school.example/x", "school.example", "school.example"),
        ("http://[::1/x", "", ""),
        ("https://school.example:99999/x", "school.example", ""),
        ("urn:uuid:1", "", ""),
        ("ftp://school.example/x", "", ""),
        ("", "", ""),
    ],
)
def test_host_of_never_has_a_port_and_server_of_keeps_a_non_default_one(url: str, host: str, server: str) -> None:
    assert host_of(url) == host
    assert server_of(url) == server


def test_host_of_something_that_is_not_a_string_is_empty() -> None:
    assert host_of(None) == "" and server_of(["https://a.example/"]) == ""
