"""What to tell followers, computed by comparing the current build's manifest with what was delivered before.

    new resource          Create (by its collection, to the collection's followers)
                          + Announce (by the site actor, to the site actor's followers)
    changed object        Update (by its collection, to both audiences: boosted copies update too)
    removed resource      Delete of a Tombstone (by its collection, to both audiences)
    removed collection    Delete of its actor (by the actor itself, to its followers), after the Deletes of its
                          resources; its followers are then forgotten (see DeliveryStore)

Pure: no I/O. The first plan against a site records everything as delivered and sends nothing, so connecting Lectern
to an existing site does not flood followers with old resources. Mastodon applies an Update only when the object's
`updated` is newer than what it has, so an Update always carries an `updated` later than the last one delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lectern.vocabulary import ACTIVITYSTREAMS, OBJECT_CONTEXT, PUBLIC

ACTOR_KEY = "actor:"  # record keys of the collection actors followers know, beside the resources' keys


@dataclass(frozen=True)
class DeliveredItem:
    """What followers were last told about one resource."""

    key: str
    object_id: str
    hash: str
    updated: str
    live: bool


@dataclass(frozen=True)
class PlannedActivity:
    """One activity to deliver: `audience` is 'collection' (its followers), 'site' (the site actor's) or 'both'."""

    activity: dict[str, Any]
    signer: str
    audience: str
    collection: str
    forget_followers: bool = False  # the actor is gone: once this is queued, its followers are forgotten


@dataclass(frozen=True)
class Plan:
    activities: list[PlannedActivity]
    delivered: list[DeliveredItem]  # the new record of what followers know, to store with the activities
    baseline: bool = False


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _later(updated: str, previous: str, now: datetime) -> str:
    """`updated` if it is later than `previous`; otherwise a moment that is (now, or just after `previous`)."""
    if updated > previous:
        return updated
    candidate = _timestamp(now)
    if candidate > previous:
        return candidate
    return _timestamp(datetime.fromisoformat(previous.replace("Z", "+00:00")) + timedelta(seconds=1))


def plan_delivery(
    manifest: dict[str, Any],
    delivered: dict[str, DeliveredItem],
    first_run: bool,
    load: Callable[[str], dict[str, Any]],
    now: datetime,
) -> Plan:
    """`load(object_id_or_activity_id) -> dict` reads a document of the current build (Create, Announce, object)."""
    site_actor = manifest["site_actor"]
    site_url = manifest["site_url"]

    def actor_of(name: str) -> str:
        return f"{site_url}/ap/actors/{name}.json"

    def followers_of(name: str) -> str:
        return f"{site_url}/ap/actors/{name}/followers"

    current = {item["key"]: item for item in manifest["items"]}
    # a manifest from before collections were listed: the collections that have resources
    collections = set(manifest.get("collections") or (item["collection"] for item in manifest["items"]))
    record: list[DeliveredItem] = []
    activities: list[PlannedActivity] = []

    if first_run:
        record = [DeliveredItem(i["key"], i["object"], i["hash"], i["updated"], True) for i in manifest["items"]]
        record += [DeliveredItem(ACTOR_KEY + name, actor_of(name), "", "", True) for name in sorted(collections)]
        return Plan([], record, baseline=True)

    for name in sorted(collections):
        before = delivered.get(ACTOR_KEY + name)
        if before is None or not before.live:
            record.append(DeliveredItem(ACTOR_KEY + name, actor_of(name), "", "", True))

    for key, item in current.items():
        before = delivered.get(key)
        if before is None or not before.live:
            activities.append(
                PlannedActivity(load(item["create"]), item["collection"], "collection", item["collection"])
            )
            activities.append(PlannedActivity(load(item["announce"]), site_actor, "site", item["collection"]))
            record.append(DeliveredItem(key, item["object"], item["hash"], item["updated"], True))
        elif before.hash != item["hash"]:
            note = {k: v for k, v in load(item["object"]).items() if k != "@context"}
            note["updated"] = _later(item["updated"], before.updated, now)
            update = {
                "@context": OBJECT_CONTEXT,
                "id": f"{item['object']}#updates/{item['hash'][:16]}",
                "type": "Update",
                "actor": actor_of(item["collection"]),
                "published": note["updated"],
                "to": [PUBLIC],
                "cc": [followers_of(item["collection"]), followers_of(site_actor)],
                "object": note,
            }
            activities.append(PlannedActivity(update, item["collection"], "both", item["collection"]))
            record.append(DeliveredItem(key, item["object"], item["hash"], note["updated"], True))

    for key, before in delivered.items():
        if not before.live or key in current or key.startswith(ACTOR_KEY):
            continue
        collection = key.split("/", 1)[0]
        delete = {
            "@context": ACTIVITYSTREAMS,
            "id": f"{before.object_id}#delete",
            "type": "Delete",
            "actor": actor_of(collection),
            "to": [PUBLIC],
            "cc": [followers_of(collection), followers_of(site_actor)],
            "object": {"id": before.object_id, "type": "Tombstone", "formerType": "Note", "deleted": _timestamp(now)},
        }
        activities.append(PlannedActivity(delete, collection, "both", collection))
        record.append(DeliveredItem(key, before.object_id, before.hash, before.updated, False))

    for key, before in sorted(delivered.items()):
        name = key.removeprefix(ACTOR_KEY)
        if not key.startswith(ACTOR_KEY) or not before.live or name in collections:
            continue
        delete = {
            "@context": ACTIVITYSTREAMS,
            "id": f"{before.object_id}#delete",
            "type": "Delete",
            "actor": before.object_id,
            "to": [PUBLIC],
            "cc": [followers_of(name)],
            "object": before.object_id,
        }
        activities.append(PlannedActivity(delete, name, "collection", name, forget_followers=True))
        record.append(DeliveredItem(key, before.object_id, "", "", False))
    return Plan(activities, record)
