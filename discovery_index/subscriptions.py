"""Adding and removing sources: what `lectern index add` and `lectern index remove` do inside the service.

Add: discover the instance and its actors (`discovery`); for each actor, fetch it: `indexable: false` is recorded
and nothing more is done; otherwise it is saved as *pending*, a signed Follow goes to its inbox (the Accept comes
back to the index's inbox), and, once the Follow was delivered, its outbox is backfilled. Deliveries are indexed
as soon as the Follow is sent, Accept or not. An actor already followed is not followed again, only backfilled.

Remove: Undo(Follow) to each followed actor of the instance, then forget the instance, its actors and everything
they posted.

`refresh` refetches an actor whose document is older than `IndexConfig.actor_max_age`, so `indexable` is checked
again on each Create; an actor that turns `indexable: false` loses its resources from the index.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from lectern.discovery_index.actor_record import actor_to_record
from lectern.discovery_index.backfill import backfill
from lectern.discovery_index.config import IndexConfig
from lectern.discovery_index.discovery import Discoverer, parse_handle
from lectern.discovery_index.errors import SourceError
from lectern.discovery_index.follows import Sender, follow_activity, undo_follow_activity
from lectern.discovery_index.records import CollectionRecord, FollowState, RemoveCollection
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import FetchError, RemoteFetcher

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActorOutcome:
    actor_id: str
    handle: str
    status: str  # followed | already_followed | not_indexable | failed
    indexed: int
    detail: str


@dataclass(frozen=True)
class AddReport:
    instance: str
    how: str
    actors: tuple[ActorOutcome, ...]


@dataclass(frozen=True)
class RemoveReport:
    instance: str
    collections: int
    resources: int
    undone: int


def instance_host(text: str) -> str:
    """'https://oer.example.edu/x', 'oer.example.edu', '@name@oer.example.edu' -> 'oer.example.edu'."""
    handle = parse_handle(text)
    if handle is not None:
        return handle.host
    try:
        parts = urlsplit(text.strip() if "://" in text else f"//{text.strip()}")
    except ValueError as error:  # an unclosed [ in the host
        raise SourceError(f"{text!r} is not an address: {error}") from None
    if not parts.netloc:
        raise SourceError(f"{text!r} names no instance; write its host, e.g. oer.example.edu or 127.0.0.1:8000")
    return parts.netloc.lower()


class Subscriptions:
    def __init__(
        self,
        config: IndexConfig,
        store: IndexStore,
        fetcher: RemoteFetcher,
        discoverer: Discoverer,
        send: Sender,
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.discoverer = discoverer
        self.send = send

    async def add(self, source: str) -> AddReport:
        found = await self.discoverer.discover(source)
        if not found.actors:
            raise SourceError(f"{source}: {found.how}; there is nothing to follow")
        self.store.save_instance(found.instance)
        outcomes = [await self._add_actor(actor_id) for actor_id in found.actors]
        return AddReport(found.instance.host, found.how, tuple(outcomes))

    async def _add_actor(self, actor_id: str) -> ActorOutcome:
        try:
            record = actor_to_record((await self.fetcher.fetch(actor_id)).document, time.time())
        except FetchError as error:
            return ActorOutcome(actor_id, actor_id, "failed", 0, str(error))
        if record is None:
            return ActorOutcome(actor_id, actor_id, "failed", 0, "not an actor with an inbox")
        known = self.store.collection(actor_id)
        if not record.may_be_indexed:
            self.store.save_collection(record)
            return ActorOutcome(actor_id, record.handle, "not_indexable", 0, "the actor says indexable: false")
        if known is not None and known.follow_state in (FollowState.PENDING, FollowState.ACCEPTED):
            record = replace(record, follow_id=known.follow_id, follow_state=known.follow_state)
            self.store.save_collection(record)
            status, detail = "already_followed", f"followed since before ({known.follow_state})"
        else:
            follow = follow_activity(self.config, actor_id)
            record = replace(record, follow_id=follow["id"], follow_state=FollowState.PENDING)
            self.store.save_collection(record)
            sent = await self.send(record.inbox, follow)
            if not sent.ok:
                self.store.set_follow_state(actor_id, FollowState.NONE, None)
                shown = f"HTTP {sent.status}" if sent.status else "no answer"
                return ActorOutcome(
                    actor_id, record.handle, "failed", 0, f"Follow not delivered: {shown} {sent.detail}"
                )
            status, detail = "followed", "Follow sent"
        filled = await backfill(self.store, self.fetcher, record)
        if filled.problem:
            detail += f"; backfill stopped: {filled.problem}"
        return ActorOutcome(actor_id, record.handle, status, filled.indexed, detail)

    async def remove(self, text: str) -> RemoveReport:
        host = instance_host(text)
        summaries = self.store.collections(host)
        if not summaries and host not in {s.instance.host for s in self.store.instances()}:
            raise SourceError(f"{host} is not in the index; 'lectern index list' shows what is")
        undone = 0
        for summary in summaries:
            collection = summary.collection
            if collection.follow_id and collection.follow_state in (FollowState.PENDING, FollowState.ACCEPTED):
                sent = await self.send(
                    collection.inbox, undo_follow_activity(self.config, collection.follow_id, collection.actor_id)
                )
                undone += sent.ok
                if not sent.ok:
                    logger.warning(
                        "Undo(Follow) of %s not delivered: %s %s", collection.actor_id, sent.status, sent.detail
                    )
        collections, resources = self.store.remove_instance(host)
        return RemoveReport(host, collections, resources, undone)

    async def refresh(self, collection: CollectionRecord) -> CollectionRecord:
        """`collection` with its actor document refetched when stale; its resources dropped if it became
        `indexable: false`. A failed fetch keeps what is known."""
        if time.time() - collection.fetched_at < self.config.actor_max_age:
            return collection
        try:
            fresh = actor_to_record((await self.fetcher.fetch(collection.actor_id)).document, time.time())
        except FetchError as error:
            logger.info("could not refresh %s: %s", collection.actor_id, error)
            return collection
        if fresh is None:
            return collection
        fresh = replace(fresh, follow_id=collection.follow_id, follow_state=collection.follow_state)
        if not fresh.may_be_indexed and collection.may_be_indexed:
            logger.info("%s is no longer indexable: forgetting its resources", collection.actor_id)
            self.store.apply([RemoveCollection(collection.actor_id)])
        self.store.save_collection(fresh)
        return fresh
