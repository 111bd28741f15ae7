"""The index's inbox: the shim's order of checks (`federation_shim.inbox`), then indexing.

    1. body size (413), a JSON content type (415) and JSON within bounds (400)   -- at most MAX_BODY bytes are read
    2. an activity with an id, a type, an actor; id and actor absolute http(s) URLs (400)
    3. a Delete from an actor the index never knew: 202, no fetch
    4. the HTTP signature, for the index's public URL (401; 400 for a malformed digest; 503 with Retry-After when the
       key could not be fetched for a temporary reason or its host was asked for too many keys lately)
    5. the key's owner is the activity's actor (401)
    6. the same activity id twice: 202, processed once
    7. Accept/Reject of the index's Follow; Create/Update/Delete from a followed actor (`ingest`), an Update of the
       actor itself (refetched: `indexable` may have changed); anything else, or from anyone else: 202, ignored

The body is read as plain JSON: no JSON-LD expansion, no remote context is ever fetched. The outcome is a value,
the shim's `InboxResult`; `discovery_index.app` turns it into the HTTP answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lectern.discovery_index.ingest import Delivery, ingest, note_twin, shared_in_group
from lectern.discovery_index.records import CollectionRecord, FollowState, Processed
from lectern.discovery_index.storage import IndexStore
from lectern.discovery_index.subscriptions import Subscriptions
from lectern.federation_shim import FetchError, InboxResult, KeyLookup, RemoteFetcher, TargetURI, admit, id_of

logger = logging.getLogger(__name__)

FOLLOWED = (FollowState.PENDING, FollowState.ACCEPTED)


class IndexInbox:
    def __init__(
        self,
        store: IndexStore,
        key_lookup: KeyLookup,
        fetcher: RemoteFetcher,
        subscriptions: Subscriptions,
        on_new: Callable[[list[str]], object] | None = None,
    ) -> None:
        """`on_new` is told the object ids of resources a Create just added (followed searches announce them)."""
        self.on_new = on_new
        self.store = store
        self.key_lookup = key_lookup
        self.fetcher = fetcher
        self.subscriptions = subscriptions

    async def receive(
        self, method: str, target_uri: str | TargetURI, headers: dict[str, str], body: bytes
    ) -> InboxResult:
        admitted = await admit(
            method,
            target_uri,
            headers,
            body,
            key_lookup=self.key_lookup,
            is_known_actor=self.store.is_known_actor,
            was_processed=self.store.was_processed,
        )
        if isinstance(admitted, InboxResult):
            return admitted
        activity, kind, actor = admitted.activity, admitted.type, admitted.actor

        if kind in ("Accept", "Reject"):
            return self._answer_to_follow(activity, actor, kind)
        collection = self.store.collection(actor)
        if collection is None or collection.follow_state not in FOLLOWED:
            return InboxResult(202, "not_followed", f"the index does not follow {actor}")
        if kind in ("Create", "Update", "Delete") or shared_in_group(activity, actor) is not None:
            return await self._index(activity, collection)
        return InboxResult(202, "ignored", f"{kind} activities are not indexed")

    def _answer_to_follow(self, activity: dict[str, Any], actor: str, kind: str) -> InboxResult:
        follow_id = id_of(activity.get("object"))
        collection = self.store.collection_by_follow(follow_id) if follow_id else None
        if collection is None or collection.actor_id != actor:
            return InboxResult(202, "ignored", f"{follow_id} is not a Follow of {actor} by this index")
        state = FollowState.ACCEPTED if kind == "Accept" else FollowState.REJECTED
        self.store.set_follow_state(actor, state, Processed(str(activity["id"]), kind, actor))
        logger.info("%s %s the index's Follow", actor, "accepted" if kind == "Accept" else "rejected")
        return InboxResult(202, str(state), f"{actor} {state} the Follow")

    async def _index(self, activity: dict[str, Any], collection: CollectionRecord) -> InboxResult:
        kind, target = activity["type"], activity.get("object")
        if kind == "Update" and id_of(target) == collection.actor_id:
            await self.subscriptions.refresh(replace(collection, fetched_at=0.0))
            self.store.mark_processed(Processed(activity["id"], kind, collection.actor_id))
            return InboxResult(202, "actor_updated", f"{collection.actor_id} was fetched again")
        if kind != "Delete":
            collection = await self.subscriptions.refresh(collection)
            if isinstance(target, str):
                try:
                    target = (await self.fetcher.fetch(target)).document
                except FetchError as error:
                    return InboxResult(503 if error.temporary else 202, "object_fetch_failed", str(error))
                activity = {**activity, "object": target}
        report = ingest(self.store, [Delivery(activity, collection)])
        if report.not_indexed:
            refused = report.not_indexed[0]
            logger.info("not indexed: %s %s: %s", kind, activity["id"], refused.detail)
            return InboxResult(202, refused.reason, refused.detail)
        applied = report.applied
        if applied.upserted:
            created = created_object(activity, collection.actor_id)
            if created is not None and self.on_new is not None:
                self.on_new([created])
            return InboxResult(202, "indexed", f"{id_of(target)} is indexed")
        if applied.deleted or applied.collections_removed:
            return InboxResult(202, "deleted", f"{applied.deleted} resource(s) removed from the index")
        return InboxResult(202, "unchanged", "nothing to change (not indexed, or a newer copy is)")


def created_object(activity: dict[str, Any], collection: str) -> str | None:
    """The id under which the index keeps the object a Create adds (directly, or shared in the collection's group),
    or None when `activity` is not a Create."""
    inner = shared_in_group(activity, collection) or activity
    if inner.get("type") != "Create":
        return None
    object_id = id_of(inner.get("object"))
    return note_twin(object_id) if object_id and inner is not activity else object_id
