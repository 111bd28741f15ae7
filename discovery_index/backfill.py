"""Backfill: read an actor's outbox page by page and index what it posted, as if each Create had been delivered.

ActivityStreams paging (Core section 5.5): the OrderedCollection holds its items inline (`orderedItems`), or a
`first` page (a URL or an embedded page) from which `next` leads on. Lectern's outboxes are static files, newest
first, 20 items a page (`generator.outboxes`). Each page is fetched with the shim's RemoteFetcher (its id must be its
URL) and must be on the actor's host: the origin vouches for what it serves, which is what makes unsigned outbox
items trustworthy. Bounded: at most `max_pages` pages, and a page seen twice ends the walk.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from lectern.discovery_index.ingest import Delivery, ingest
from lectern.discovery_index.records import CollectionRecord
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import FetchError, RemoteFetcher, id_of, server_of

logger = logging.getLogger(__name__)

MAX_PAGES = 1000


@dataclass(frozen=True)
class BackfillReport:
    pages: int
    indexed: int
    problem: str = ""  # why the walk stopped early, if it did


def _items(page: dict[str, Any]) -> list[Any]:
    items = page.get("orderedItems", page.get("items"))
    return items if isinstance(items, list) else []


async def outbox_pages(
    fetcher: RemoteFetcher, outbox_url: str, *, max_pages: int = MAX_PAGES
) -> AsyncIterator[list[Any]]:
    """The items of each page of the outbox at `outbox_url`, first page first. Raises FetchError."""
    host = server_of(outbox_url)
    collection = (await fetcher.fetch(outbox_url)).document
    if _items(collection):
        yield _items(collection)
    first = collection.get("first")
    page: dict[str, Any] | None = first if isinstance(first, dict) else None
    next_url = None if page is not None else id_of(first)
    seen: set[str] = set()
    for _number in range(max_pages):
        if page is None:
            if next_url is None or next_url in seen or server_of(next_url) != host:
                return
            seen.add(next_url)
            page = (await fetcher.fetch(next_url)).document
        yield _items(page)
        following = page.get("next")
        page = following if isinstance(following, dict) and _items(following) else None
        next_url = None if page is not None else id_of(following)


async def backfill(store: IndexStore, fetcher: RemoteFetcher, collection: CollectionRecord) -> BackfillReport:
    """Index every Create in `collection`'s outbox, one transaction per page."""
    if not collection.outbox:
        return BackfillReport(0, 0, "the actor has no outbox")
    pages = indexed = 0
    try:
        async for items in outbox_pages(fetcher, collection.outbox):
            pages += 1
            deliveries = [Delivery(item, collection) for item in items if isinstance(item, dict)]
            report = ingest(store, deliveries, remember=False)
            indexed += report.applied.upserted
    except FetchError as error:
        logger.warning("backfill of %s stopped after %d pages: %s", collection.actor_id, pages, error)
        return BackfillReport(pages, indexed, str(error))
    logger.info("backfilled %d resources from %d outbox pages of %s", indexed, pages, collection.actor_id)
    return BackfillReport(pages, indexed)
