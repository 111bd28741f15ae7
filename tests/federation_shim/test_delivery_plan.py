from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation_shim.delivery_plan import DeliveredItem, plan_delivery

SITE = "https://oer.example"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def item(key: str, hash_: str = "h1", updated: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    return {
        "key": key,
        "collection": key.split("/")[0],
        "object": f"{SITE}/ap/objects/{key}.json",
        "create": f"{SITE}/ap/activities/{key}/create.json",
        "announce": f"{SITE}/ap/activities/{key}/announce.json",
        "updated": updated,
        "hash": hash_,
    }


def manifest(*items: dict[str, Any], collections: tuple[str, ...] = ("a",)) -> dict[str, Any]:
    return {
        "site_url": SITE,
        "site_actor": "library",
        "collections": list(collections),
        "items": list(items),
        "tombstones": [],
    }


def load(document_id: str) -> dict[str, Any]:
    kind = "Create" if document_id.endswith("create.json") else "Announce" if "announce" in document_id else "Note"
    return {"@context": "x", "id": document_id, "type": kind, "updated": "2026-01-01T00:00:00Z"}


def known(key: str, hash_: str = "h1", updated: str = "2026-01-01T00:00:00Z", live: bool = True) -> DeliveredItem:
    return DeliveredItem(key, f"{SITE}/ap/objects/{key}.json", hash_, updated, live)


def known_actor(name: str, live: bool = True) -> DeliveredItem:
    return DeliveredItem(f"actor:{name}", f"{SITE}/ap/actors/{name}.json", "", "", live)


def told(*items: DeliveredItem) -> dict[str, DeliveredItem]:
    """What followers were told: these items, and that collection a exists."""
    return {item.key: item for item in (known_actor("a"), *items)}


def test_the_first_run_records_everything_and_sends_nothing() -> None:
    plan = plan_delivery(manifest(item("a/one"), item("a/two")), {}, True, load, NOW)
    assert plan.baseline and plan.activities == []
    assert [d.key for d in plan.delivered] == ["a/one", "a/two", "actor:a"]


def test_a_new_resource_is_a_create_for_its_collection_and_an_announce_for_the_site() -> None:
    plan = plan_delivery(manifest(item("a/one"), item("a/two")), told(known("a/one")), False, load, NOW)
    assert [(p.activity["type"], p.signer, p.audience) for p in plan.activities] == [
        ("Create", "a", "collection"),
        ("Announce", "library", "site"),
    ]
    assert [d.key for d in plan.delivered] == ["a/two"]


def test_a_changed_object_is_an_update_whose_updated_is_later_than_what_was_delivered() -> None:
    plan = plan_delivery(manifest(item("a/one", "h2")), told(known("a/one")), False, load, NOW)
    (update,) = plan.activities
    assert update.activity["type"] == "Update" and update.audience == "both"
    assert update.activity["object"]["updated"] == "2026-03-01T12:00:00Z"  # the file's date did not move: now
    assert update.activity["id"] == f"{SITE}/ap/objects/a/one.json#updates/h2"
    edited = plan_delivery(
        manifest(item("a/one", "h3", "2026-02-01T00:00:00Z")), told(known("a/one")), False, load, NOW
    )
    assert edited.activities[0].activity["object"]["updated"] == "2026-02-01T00:00:00Z"


def test_an_unchanged_build_plans_nothing() -> None:
    plan = plan_delivery(manifest(item("a/one")), told(known("a/one")), False, load, NOW)
    assert plan.activities == [] and plan.delivered == []


def test_a_removed_resource_is_a_delete_of_a_tombstone_sent_once() -> None:
    plan = plan_delivery(manifest(), told(known("a/one")), False, load, NOW)
    (delete,) = plan.activities
    assert delete.activity["type"] == "Delete" and delete.audience == "both"
    assert delete.activity["object"]["type"] == "Tombstone"
    assert delete.activity["actor"] == f"{SITE}/ap/actors/a.json"
    assert plan.delivered == [known("a/one", live=False)]
    again = plan_delivery(manifest(), told(known("a/one", live=False)), False, load, NOW)
    assert again.activities == []


def test_a_removed_collection_deletes_its_actor_after_its_resources_once() -> None:
    plan = plan_delivery(
        manifest(item("a/one"), collections=("a",)),
        {**told(known("a/one"), known("b/two")), **{"actor:b": known_actor("b")}},
        False,
        load,
        NOW,
    )
    assert [(p.activity["type"], p.signer, p.audience) for p in plan.activities] == [
        ("Delete", "b", "both"),  # its resource first
        ("Delete", "b", "collection"),  # then the actor, to its own followers
    ]
    actor_delete = plan.activities[1]
    assert actor_delete.activity["actor"] == actor_delete.activity["object"] == f"{SITE}/ap/actors/b.json"
    assert actor_delete.forget_followers and not plan.activities[0].forget_followers
    assert known_actor("b", live=False) in plan.delivered
    again = plan_delivery(
        manifest(item("a/one")), {**told(known("a/one")), "actor:b": known_actor("b", live=False)}, False, load, NOW
    )
    assert again.activities == []


def test_a_new_collection_is_recorded_and_an_old_manifest_without_collections_still_plans() -> None:
    plan = plan_delivery(manifest(item("a/one"), collections=("a", "c")), told(known("a/one")), False, load, NOW)
    assert plan.activities == [] and plan.delivered == [known_actor("c")]
    old = manifest(item("a/one"))
    del old["collections"]
    assert plan_delivery(old, told(known("a/one")), False, load, NOW).activities == []
