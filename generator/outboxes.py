"""Outboxes as static files: an OrderedCollection with `totalItems` and OrderedCollectionPage pages, newest first.

ActivityPub section 5.1; paging as in ActivityStreams Core section 5.5. Page 1 holds the newest items; `first` and
`last` let a client (Mastodon backfills only the first page; a discovery index walks them all) page in either
direction.
"""

from __future__ import annotations

from lectern.generator.objects import JSON
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT


def outbox_documents(paths: SitePaths, actor: str, activities: list[JSON], page_size: int) -> list[JSON]:
    """The outbox collection followed by its pages. `activities` must already be newest first."""
    pages = max(1, -(-len(activities) // page_size))
    collection: JSON = {
        "@context": OBJECT_CONTEXT,
        "id": paths.outbox(actor),
        "type": "OrderedCollection",
        "totalItems": len(activities),
        "first": paths.outbox_page(actor, 1),
        "last": paths.outbox_page(actor, pages),
    }
    documents = [collection]
    for number in range(1, pages + 1):
        items = activities[(number - 1) * page_size : number * page_size]
        page: JSON = {
            "@context": OBJECT_CONTEXT,
            "id": paths.outbox_page(actor, number),
            "type": "OrderedCollectionPage",
            "partOf": paths.outbox(actor),
            "startIndex": (number - 1) * page_size,
            "orderedItems": [{k: v for k, v in item.items() if k != "@context"} for item in items],
        }
        if number > 1:
            page["prev"] = paths.outbox_page(actor, number - 1)
        if number < pages:
            page["next"] = paths.outbox_page(actor, number + 1)
        documents.append(page)
    return documents


def empty_collection(collection_id: str, kind: str = "OrderedCollection") -> JSON:
    return {
        "@context": OBJECT_CONTEXT,
        "id": collection_id,
        "type": kind,
        "totalItems": 0,
        "orderedItems": [],
    }
