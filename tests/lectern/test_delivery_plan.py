from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lectern.delivery_plan import DeliveredItem, plan_delivery
from lectern.delivery_service import published_late
from lectern.manifest import Manifest, ManifestItem
from lectern.site_paths import SitePaths

SITE = "https://oer.example"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def item(key: str, hash_: str = "h1", updated: str = "2026-01-01T00:00:00Z", generation: int = 1) -> ManifestItem:
    paths = SitePaths(SITE)
    return ManifestItem(
        key=key,
        collection=key.split("/")[0],
        generation=generation,
        object=paths.object(key, generation),
        create=paths.create(key, generation),
        page=paths.page(key, generation),
        group_announce=paths.group_announce(key, generation),
        announce=paths.announce(key, generation),
        published=updated,
        updated=updated,
        hash=hash_,
    )


def manifest(*items: ManifestItem, collections: tuple[str, ...] = ("a",)) -> Manifest:
    return Manifest(site_url=SITE, site_actor="library", collections=collections, items=items)


def load(document_id: str) -> dict[str, Any]:
    kinds = {"creates": "Create", "announces": "Announce", "group-announces": "Announce", "pages": "Page"}
    kind = kinds.get(document_id.removeprefix(f"{SITE}/ap/").split("/")[0], "Note")
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


def test_a_new_resource_is_a_create_by_the_site_actor_and_two_announces_by_its_collection() -> None:
    plan = plan_delivery(manifest(item("a/one"), item("a/two")), told(known("a/one")), False, load, NOW)
    assert [(p.activity["id"], p.signer, p.audience) for p in plan.activities] == [
        (f"{SITE}/ap/creates/a/two.json", "library", "site"),  # the Note, to the site actor's followers
        (f"{SITE}/ap/group-announces/a/two.json", "a", "collection"),  # the Page's Create, for FEP-1b12 groups
        (f"{SITE}/ap/announces/a/two.json", "a", "collection"),  # a boost of the Note, for microblogs
    ]
    assert [d.key for d in plan.delivered] == ["a/two"]


def test_a_changed_object_is_an_update_whose_updated_is_later_than_what_was_delivered() -> None:
    plan = plan_delivery(manifest(item("a/one", "h2")), told(known("a/one")), False, load, NOW)
    update, shared = plan.activities
    assert update.activity["type"] == "Update" and update.audience == "both" and update.signer == "library"
    assert update.activity["object"]["updated"] == "2026-03-01T12:00:00Z"  # the file's date did not move: now
    assert update.activity["id"] == f"{SITE}/ap/objects/a/one.json#updates/20260301T120000Z"
    assert (shared.activity["type"], shared.signer, shared.audience) == ("Announce", "a", "collection")
    assert shared.activity["object"]["type"] == "Update" and shared.activity["object"]["object"]["type"] == "Page"
    edited = plan_delivery(
        manifest(item("a/one", "h3", "2026-02-01T00:00:00Z")), told(known("a/one")), False, load, NOW
    )
    assert edited.activities[0].activity["object"]["updated"] == "2026-02-01T00:00:00Z"


def test_an_edit_reverted_and_made_again_is_a_new_update_each_time() -> None:
    first = plan_delivery(manifest(item("a/one", "h2")), told(known("a/one")), False, load, NOW)
    (recorded,) = first.delivered
    reverted = plan_delivery(manifest(item("a/one", "h1")), told(recorded), False, load, NOW)
    (recorded,) = reverted.delivered
    again = plan_delivery(manifest(item("a/one", "h2")), told(recorded), False, load, NOW)
    ids = [plan.activities[0].activity["id"] for plan in (first, reverted, again)]
    assert len(set(ids)) == 3, ids


def test_an_unchanged_build_plans_nothing() -> None:
    plan = plan_delivery(manifest(item("a/one")), told(known("a/one")), False, load, NOW)
    assert plan.activities == [] and plan.delivered == []


def test_a_removed_resource_is_a_delete_of_a_tombstone_sent_once() -> None:
    plan = plan_delivery(manifest(), told(known("a/one")), False, load, NOW)
    delete, shared = plan.activities
    assert delete.activity["type"] == "Delete" and delete.audience == "both"
    assert delete.activity["object"]["type"] == "Tombstone"
    assert delete.activity["actor"] == f"{SITE}/ap/actors/library.json"  # the author deletes (Mastodon checks)
    assert shared.activity["object"]["object"]["id"] == f"{SITE}/ap/pages/a/one.json"
    assert plan.delivered == [known("a/one", live=False)]
    again = plan_delivery(manifest(), told(known("a/one", live=False)), False, load, NOW)
    assert again.activities == []


def test_a_resource_removed_and_added_again_is_created_anew_with_new_ids() -> None:
    back = manifest(item("a/one", "h9", generation=2))
    plan = plan_delivery(back, told(known("a/one", live=False)), False, load, NOW)
    assert [p.activity["id"] for p in plan.activities] == [
        f"{SITE}/ap/creates/a/one.2.json",
        f"{SITE}/ap/group-announces/a/one.2.json",
        f"{SITE}/ap/announces/a/one.2.json",
    ]
    # removed and back between two deliveries: followers are told of the removal, then of the new generation
    quick = plan_delivery(back, told(known("a/one")), False, load, NOW)
    assert [p.activity["type"] for p in quick.activities] == ["Delete", "Announce", "Create", "Announce", "Announce"]
    assert quick.activities[0].activity["object"]["id"] == f"{SITE}/ap/objects/a/one.json"


def test_a_removed_collection_deletes_its_actor_after_its_resources_once() -> None:
    plan = plan_delivery(
        manifest(item("a/one"), collections=("a",)),
        {**told(known("a/one"), known("b/two")), **{"actor:b": known_actor("b")}},
        False,
        load,
        NOW,
    )
    assert [(p.activity["type"], p.signer, p.audience) for p in plan.activities] == [
        ("Delete", "library", "both"),  # its resource first
        ("Announce", "b", "collection"),
        ("Delete", "b", "collection"),  # then the actor, to its own followers
    ]
    actor_delete = plan.activities[2]
    assert actor_delete.activity["actor"] == actor_delete.activity["object"] == f"{SITE}/ap/actors/b.json"
    assert actor_delete.forget_followers and not any(p.forget_followers for p in plan.activities[:2])
    assert known_actor("b", live=False) in plan.delivered
    again = plan_delivery(
        manifest(item("a/one")), {**told(known("a/one")), "actor:b": known_actor("b", live=False)}, False, load, NOW
    )
    assert again.activities == []


def test_a_new_collection_is_recorded() -> None:
    plan = plan_delivery(manifest(item("a/one"), collections=("a", "c")), told(known("a/one")), False, load, NOW)
    assert plan.activities == [] and plan.delivered == [known_actor("c")]


def test_new_resources_published_before_mastodons_real_time_window_are_named() -> None:
    """Mastodon puts a status in home timelines only within six hours of its `published` (app/models/status.rb,
    REAL_TIME_WINDOW): `lectern deliver` names the new resources committed longer ago than that."""

    def load_published(published: str) -> Any:
        def load_with(document_id: str) -> dict[str, Any]:
            document = load(document_id)
            if document["type"] == "Create":
                document["object"] = {"id": document_id.replace("/creates/", "/objects/"), "published": published}
            return document

        return load_with

    fresh = plan_delivery(manifest(item("a/one")), told(), False, load_published("2026-03-01T07:00:00Z"), NOW)
    assert published_late(fresh, NOW) == ()
    stale = plan_delivery(manifest(item("a/one")), told(), False, load_published("2026-03-01T05:59:00Z"), NOW)
    assert published_late(stale, NOW) == (f"{SITE}/ap/objects/a/one.json",)
