"""Create / Update / Delete from a followed actor -> changes -> the store: the one way resources enter the index.

The inbox calls `ingest` with one verified delivery, the backfill with a page of an outbox, the benchmark with
batches of generated Creates; each call is one transaction. Turning an activity into a change is pure
(`change_for`); everything it refuses comes back as a `NotIndexed` reason, never an exception.

    Create, Update of a Note/Article/Page   UpsertResource (an Update of an unknown object indexes it: the index
                                            may have missed the Create)
    Delete of an object                     DeleteResource, only of the sender's own objects
    Delete of the actor itself              RemoveCollection: the actor and all it posted
    a group's Announce of one of the above  the same, for a resource posted in the group (FEP-1b12: Lectern's
                                            collections share the site actor's posts this way)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lectern.discovery_index.note_record import NotIndexed, note_to_record, server
from lectern.discovery_index.records import (
    ApplyReport,
    Change,
    CollectionRecord,
    DeleteResource,
    Processed,
    RemoveCollection,
    UpsertResource,
)
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import id_of

HANDLED = frozenset({"Create", "Update", "Delete"})


@dataclass(frozen=True)
class Delivery:
    """An activity from `collection` (its `actor`), already verified (inbox) or read from the actor's own outbox."""

    activity: dict[str, Any]
    collection: CollectionRecord


@dataclass(frozen=True)
class IngestReport:
    applied: ApplyReport
    not_indexed: tuple[NotIndexed, ...]


def shared_in_group(activity: dict[str, Any], group: str) -> dict[str, Any] | None:
    """The activity a FEP-1b12 group shares: `group`'s Announce embedding a Create, Update or Delete by an actor of
    the group's own host (the origin vouches for it, as for its outbox), or None for anything else (a boost of a
    Note by id is left alone: the group's Announce of the Create carries the same resource)."""
    inner = activity.get("object")
    if activity.get("type") != "Announce" or id_of(activity.get("actor")) != group or not isinstance(inner, dict):
        return None
    author = id_of(inner.get("actor"))
    if inner.get("type") not in HANDLED or author is None or server(author) != server(group):
        return None
    return inner


def note_twin(object_id: str) -> str:
    """The id of the Note a Lectern site publishes beside the Page it shares in its groups (docs/federation.md: one
    resource, a Note for microblogs and a Page for FEP-1b12 groups, `/ap/objects/...` and `/ap/pages/...`), so the
    index keeps one record per resource whichever form reached it first. Any other id is itself."""
    prefix, marker, rest = object_id.partition("/ap/pages/")
    return f"{prefix}/ap/objects/{rest}" if marker and rest.endswith(".json") else object_id


def change_for(delivery: Delivery) -> Change | NotIndexed:
    activity, collection = delivery.activity, delivery.collection
    shared = shared_in_group(activity, collection.actor_id)
    in_group = shared is not None
    if shared is not None:
        activity = shared
    kind = activity.get("type")
    if kind not in HANDLED:
        return NotIndexed("ignored", f"{kind} activities are not indexed")
    if not in_group and id_of(activity.get("actor")) != collection.actor_id:
        return NotIndexed("not_the_actor", f"the activity's actor is not {collection.actor_id}")
    target = activity.get("object")
    if kind == "Delete":
        object_id = id_of(target)
        if object_id is None:
            return NotIndexed("invalid_object", "a Delete needs the id of what it deletes")
        if object_id == collection.actor_id and not in_group:
            return RemoveCollection(collection.actor_id)
        return DeleteResource(note_twin(object_id) if in_group else object_id, collection.actor_id)
    if not collection.may_be_indexed:
        return NotIndexed("not_indexable", f"{collection.actor_id} says indexable: false")
    if not isinstance(target, dict):
        return NotIndexed("object_not_embedded", f"the {kind} does not embed its object")
    if in_group and isinstance(target.get("id"), str) and note_twin(target["id"]) != target["id"]:
        target = {**target, "id": note_twin(target["id"])}
    record = note_to_record(target, collection, in_group)
    return record if isinstance(record, NotIndexed) else UpsertResource(record)


def ingest(store: IndexStore, deliveries: Sequence[Delivery], *, remember: bool = True) -> IngestReport:
    """Apply `deliveries` in one transaction; with `remember`, their activity ids are marked processed with them."""
    changes: list[Change] = []
    refused: list[NotIndexed] = []
    processed: list[Processed] = []
    for delivery in deliveries:
        change = change_for(delivery)
        if isinstance(change, NotIndexed):
            refused.append(change)
        else:
            changes.append(change)
        activity_id = delivery.activity.get("id")
        if remember and isinstance(activity_id, str):
            processed.append(Processed(activity_id, str(delivery.activity.get("type")), delivery.collection.actor_id))
    return IngestReport(store.apply(changes, processed), tuple(refused))
