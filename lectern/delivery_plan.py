"""What to tell followers, computed by comparing the current build's manifest with what was delivered before.

Resources are Notes by the site actor in their collection's group (FEP-1b12); see `generator.objects`.

    new resource          Create (by the site actor, to its followers)
                          + the collection's Announce of the Create of the Page (FEP-1b12 groups: Lemmy, ...)
                          + the collection's Announce of the Note (microblogs: Mastodon, Misskey, GoToSocial, ...)
    changed object        Update of the Note (by the site actor, to both audiences)
                          + the collection's Announce of the Update of the Page (FEP-1b12 groups)
    removed resource      Delete of the Note (by the site actor, to both audiences)
                          + the collection's Announce of the Delete of the Page (FEP-1b12 groups)
    resource back again   a new generation, with new ids: Delete of the old one if followers still know it, then as
                          a new resource (Mastodon refuses a Create for a URI it holds a Tombstone of)
    removed collection    Delete of its actor (by the actor itself, to its followers), after the Deletes of its
                          resources; its followers are then forgotten (see told_record.PlanRecorder)

Pure: no I/O. The first plan against a site records everything as delivered and sends nothing, so connecting Lectern
to an existing site does not flood followers with old resources. Mastodon applies an Update only when the object's
`updated` is newer than what it has, so an Update always carries an `updated` later than the last one delivered, and
its id names that moment, so an edit that is reverted and made again is a new activity each time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lectern.federation_shim import announce, delete, timestamp, tombstone, update
from lectern.manifest import Manifest
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT, PUBLIC

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


def _later(updated: str, previous: str, now: datetime) -> str:
    """`updated` if it is later than `previous`; otherwise a moment that is (now, or just after `previous`)."""
    if updated > previous:
        return updated
    candidate = timestamp(now)
    if candidate > previous:
        return candidate
    return timestamp(datetime.fromisoformat(previous.replace("Z", "+00:00")) + timedelta(seconds=1))


def _stamp(updated: str) -> str:
    """`2026-03-01T12:00:00Z` -> `20260301T120000Z`, for activity ids."""
    return updated.replace("-", "").replace(":", "")


def plan_delivery(
    manifest: Manifest,
    delivered: dict[str, DeliveredItem],
    first_run: bool,
    load: Callable[[str], dict[str, Any]],
    now: datetime,
) -> Plan:
    """`load(object_id_or_activity_id) -> dict` reads a document of the current build (Create, Announce, object)."""
    site_actor = manifest.site_actor
    paths = SitePaths(manifest.site_url)
    actor_of, followers_of = paths.actor, paths.followers

    def shared_by_group(activity: dict[str, Any], collection: str) -> PlannedActivity:
        """The collection's Announce of one of the site actor's activities about the Page of a resource in it
        (FEP-1b12: Lemmy takes a community's posts, and their updates and deletions, only from its group)."""
        shared = announce(
            f"{activity['id']}/announce",
            actor_of(collection),
            activity,
            context=OBJECT_CONTEXT,
            audience=actor_of(collection),
            to=[PUBLIC],
            cc=[followers_of(collection)],
        )
        return PlannedActivity(shared, collection, "collection", collection)

    def delete_of(object_id: str, collection: str) -> list[PlannedActivity]:
        """The site actor's Delete of the Note, to both audiences, and the collection's Announce of the Delete of its
        Page, for groups."""
        planned = []
        for document_id, former, audience in ((object_id, "Note", "both"), (paths.page_of(object_id), "Page", "")):
            deletion = delete(
                f"{document_id}#delete",
                actor_of(site_actor),
                tombstone(document_id, former, timestamp(now)),
                audience=actor_of(collection),
                to=[PUBLIC],
                cc=[followers_of(collection), followers_of(site_actor)],
            )
            if audience:
                planned.append(PlannedActivity(deletion, site_actor, audience, collection))
            else:
                planned.append(shared_by_group(deletion, collection))
        return planned

    def update_of(document: dict[str, Any], updated: str, collection: str) -> dict[str, Any]:
        changed = {**document, "updated": updated}
        return update(
            f"{changed['id']}#updates/{_stamp(updated)}",
            changed.get("attributedTo", actor_of(site_actor)),
            changed,
            context=OBJECT_CONTEXT,
            audience=actor_of(collection),
            published=updated,
            to=[PUBLIC],
            cc=[followers_of(collection), followers_of(site_actor)],
        )

    current = {item.key: item for item in manifest.items}
    collections = set(manifest.collections)
    record: list[DeliveredItem] = []
    activities: list[PlannedActivity] = []

    if first_run:
        record = [DeliveredItem(i.key, i.object, i.hash, i.updated, True) for i in manifest.items]
        record += [DeliveredItem(ACTOR_KEY + name, actor_of(name), "", "", True) for name in sorted(collections)]
        return Plan([], record, baseline=True)

    for name in sorted(collections):
        before = delivered.get(ACTOR_KEY + name)
        if before is None or not before.live:
            record.append(DeliveredItem(ACTOR_KEY + name, actor_of(name), "", "", True))

    for key, item in current.items():
        before = delivered.get(key)
        collection = item.collection
        if before is not None and before.live and before.object_id != item.object:
            activities += delete_of(before.object_id, collection)  # removed and back before we could tell
            before = None
        if before is None or not before.live:
            activities.append(PlannedActivity(load(item.create), site_actor, "site", collection))
            activities.append(PlannedActivity(load(item.group_announce), collection, "collection", collection))
            activities.append(PlannedActivity(load(item.announce), collection, "collection", collection))
            record.append(DeliveredItem(key, item.object, item.hash, item.updated, True))
        elif before.hash != item.hash:
            updated = _later(item.updated, before.updated, now)
            activities.append(
                PlannedActivity(update_of(load(item.object), updated, collection), site_actor, "both", collection)
            )
            activities.append(shared_by_group(update_of(load(item.page), updated, collection), collection))
            record.append(DeliveredItem(key, item.object, item.hash, updated, True))

    for key, before in delivered.items():
        if not before.live or key in current or key.startswith(ACTOR_KEY):
            continue
        collection = key.split("/", 1)[0]
        activities += delete_of(before.object_id, collection)
        record.append(DeliveredItem(key, before.object_id, before.hash, before.updated, False))

    for key, before in sorted(delivered.items()):
        name = key.removeprefix(ACTOR_KEY)
        if not key.startswith(ACTOR_KEY) or not before.live or name in collections:
            continue
        gone = delete(
            f"{before.object_id}#delete", before.object_id, before.object_id, to=[PUBLIC], cc=[followers_of(name)]
        )
        activities.append(PlannedActivity(gone, name, "collection", name, forget_followers=True))
        record.append(DeliveredItem(key, before.object_id, "", "", False))
    return Plan(activities, record)
