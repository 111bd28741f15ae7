"""What a registered server announces through the FASP `data_sharing` capability (v0.1,
`discovery/data_sharing/v0.1/data_sharing.md` in mastodon/fediverse_auxiliary_service_provider_specifications;
Mastodon sends them from `app/workers/fasp/announce_*_lifecycle_event_worker.rb`): only URIs, which the index fetches
itself with the guarded fetcher and indexes only with the creator's consent.

Consent, as the spec requires (FEP-5feb): an account is kept only when its actor says `discoverable: true`; content
only when its author says `discoverable: true` and `indexable: true`. A `delete` removes what the index holds for the
URI once its origin answers 404 or 410 (a server may announce remote content, so its word alone does not remove what
another server published). Announcements never make the index follow anyone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from lectern.discovery_index.actor_record import actor_to_record
from lectern.discovery_index.ingest import Delivery, ingest
from lectern.discovery_index.records import CollectionRecord, DeleteResource, RemoveCollection
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import FetchError, HTTPStatusError, RemoteFetcher, id_of

logger = logging.getLogger(__name__)

CATEGORIES = frozenset({"content", "account"})
EVENT_TYPES = frozenset({"new", "update", "delete", "trending"})
MAX_URIS = 100


class BadAnnouncement(ValueError):
    """The body is not an announcement the spec describes (answered 422)."""


@dataclass(frozen=True)
class Announcement:
    category: str
    event_type: str  # '' for a backfill answer
    uris: tuple[str, ...]
    backfill_id: str = ""  # the backfill request it answers ('' for an event)
    cursor: str = ""  # a backfill answer's cursor, to ask for what follows
    more: bool = True  # False: the server said moreObjectsAvailable: false


@dataclass
class AnnouncementReport:
    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # uri -> why


def parse_announcement(payload: Any) -> Announcement:
    if not isinstance(payload, dict):
        raise BadAnnouncement("send a JSON object")
    source = payload.get("source")
    if not isinstance(source, dict) or not ({"subscription", "backfillRequest"} & source.keys()):
        raise BadAnnouncement("source must be an object with a subscription or a backfillRequest")
    category = payload.get("category")
    if category not in CATEGORIES:
        raise BadAnnouncement(f"category must be one of {sorted(CATEGORIES)}")
    event = payload.get("eventType", "")
    if "subscription" in source and event not in EVENT_TYPES:
        raise BadAnnouncement(f"an event needs eventType, one of {sorted(EVENT_TYPES)}")
    uris = payload.get("objectUris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) and u for u in uris):
        raise BadAnnouncement("objectUris must be a non-empty array of URIs")
    if len(uris) > MAX_URIS:
        raise BadAnnouncement(f"at most {MAX_URIS} objectUris per announcement")
    backfill = source.get("backfillRequest")
    backfill_id = backfill.get("id") if isinstance(backfill, dict) else None
    cursor = payload.get("cursor")
    return Announcement(
        str(category),
        str(event),
        tuple(uris),
        backfill_id=str(backfill_id)
        if isinstance(backfill_id, str | int) and not isinstance(backfill_id, bool)
        else "",
        cursor=cursor if isinstance(cursor, str) and len(cursor) <= 1000 else "",
        more=payload.get("moreObjectsAvailable") is not False,
    )


class AnnouncementIngester:
    def __init__(self, store: IndexStore, fetcher: RemoteFetcher) -> None:
        self.store = store
        self.fetcher = fetcher

    async def apply(self, announcement: Announcement) -> AnnouncementReport:
        report = AnnouncementReport()
        for uri in announcement.uris:
            try:
                if announcement.event_type == "delete":
                    await self._delete(announcement.category, uri, report)
                elif announcement.category == "account":
                    await self._account(uri, report)
                else:
                    await self._content(uri, report)
            except FetchError as error:
                report.refused[uri] = f"fetch failed: {error}"
        for uri, why in report.refused.items():
            logger.info("FASP announcement: %s not indexed: %s", uri, why)
        return report

    async def _gone(self, uri: str) -> bool:
        """Whether the origin says `uri` is gone (404 or 410): one server's word is not enough to remove what
        another server published."""
        try:
            await self.fetcher.fetch(uri)
        except HTTPStatusError as error:
            return error.status in (404, 410)
        return False

    async def _delete(self, category: str, uri: str, report: AnnouncementReport) -> None:
        if not await self._gone(uri):
            report.refused[uri] = "its origin still serves it (a delete is applied once the origin answers 404 or 410)"
            return
        if category == "account":
            self.store.apply([RemoveCollection(uri)])
        else:
            known = self.store.resource(uri)
            if known is None:
                report.refused[uri] = "not in the index"
                return
            self.store.apply([DeleteResource(uri, known.collection)])
        report.removed.append(uri)

    async def _consenting_actor(self, actor_id: str, report: AnnouncementReport, uri: str) -> CollectionRecord | None:
        document = (await self.fetcher.fetch(actor_id)).document
        record = actor_to_record(document, time.time())
        if record is None:
            report.refused[uri] = f"{actor_id} is not an actor"
            return None
        if document.get("discoverable") is not True:
            report.refused[uri] = f"{actor_id} does not say discoverable: true"
            return None
        known = self.store.collection(actor_id)
        if known is not None:  # keep how the index follows it
            record = replace(record, follow_id=known.follow_id, follow_state=known.follow_state)
        self.store.save_collection(record)
        return record

    async def _account(self, uri: str, report: AnnouncementReport) -> None:
        if await self._consenting_actor(uri, report, uri) is not None:
            report.indexed.append(uri)

    async def _content(self, uri: str, report: AnnouncementReport) -> None:
        document = (await self.fetcher.fetch(uri)).document
        author = id_of(document.get("attributedTo"))
        if author is None:
            report.refused[uri] = "the object names no attributedTo"
            return
        collection = await self._consenting_actor(author, report, uri)
        if collection is None:
            return
        if collection.indexable is not True:
            report.refused[uri] = f"{author} does not say indexable: true"
            return
        activity = {"type": "Update", "actor": author, "object": document}
        result = ingest(self.store, [Delivery(activity, collection)], remember=False)
        if result.not_indexed:
            report.refused[uri] = result.not_indexed[0].detail
        else:
            report.indexed.append(uri)
