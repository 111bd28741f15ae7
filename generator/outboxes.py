"""Outboxes as static files: an OrderedCollection with `totalItems` and OrderedCollectionPage pages, newest first.

ActivityPub section 5.1; paging as in ActivityStreams Core section 5.5. Page 1 holds the newest items; `first` and
`last` let a client (Mastodon backfills only the first page; a discovery index walks them all) page in either
direction.

`outbox_documents` gives the documents; `outbox_texts` gives the same documents as the text `json_text` writes,
from activities already serialised (`outbox_item_text`): a site keeps one string per activity until its outboxes
are written rather than the activity's dicts, which on a site of 5,000 resources were a third of the build's memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from lectern.generator.json_files import json_text
from lectern.generator.objects import JSON
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT

# what stands for a page's items while the rest of the page is serialised (no id or type can be this string)
_ITEMS = "\u0000items\u0000"


def outbox_documents(paths: SitePaths, actor: str, activities: list[JSON], page_size: int) -> list[JSON]:
    """The outbox collection followed by its pages. `activities` must already be newest first."""
    documents = []
    for document, items in _outbox(paths, actor, activities, page_size):
        if items is not None:
            document["orderedItems"] = [{k: v for k, v in item.items() if k != "@context"} for item in items]
        documents.append(document)
    return documents


def outbox_item_text(activity: JSON) -> str:
    """`activity` as an item of an outbox page, serialised (compact JSON, without its `@context`)."""
    return json_text({k: v for k, v in activity.items() if k != "@context"}).rstrip("\n")


def outbox_texts(paths: SitePaths, actor: str, items: Sequence[str], page_size: int) -> Iterator[tuple[str, str]]:
    """`(id, text)` of each document of `outbox_documents`, the text `json_text` gives it, from `items` serialised
    by `outbox_item_text` (newest first)."""
    for document, page_items in _outbox(paths, actor, items, page_size):
        if page_items is None:
            yield document["id"], json_text(document)
            continue
        document["orderedItems"] = _ITEMS
        before, after = json_text(document).split(json_text(_ITEMS).rstrip("\n"))
        yield document["id"], f"{before}[{','.join(page_items)}]{after}"


def _outbox(paths: SitePaths, actor: str, items: Sequence[Any], page_size: int) -> Iterator[tuple[JSON, Any]]:
    """The collection (with None) and each page with its slice of `items`, which goes in at `orderedItems`, after
    `startIndex` and before `prev` and `next` (the page holds a placeholder there, so the keys keep that order)."""
    pages = max(1, -(-len(items) // page_size))
    yield (
        {
            "@context": OBJECT_CONTEXT,
            "id": paths.outbox(actor),
            "type": "OrderedCollection",
            "totalItems": len(items),
            "first": paths.outbox_page(actor, 1),
            "last": paths.outbox_page(actor, pages),
        },
        None,
    )
    for number in range(1, pages + 1):
        page: JSON = {
            "@context": OBJECT_CONTEXT,
            "id": paths.outbox_page(actor, number),
            "type": "OrderedCollectionPage",
            "partOf": paths.outbox(actor),
            "startIndex": (number - 1) * page_size,
            "orderedItems": None,
        }
        if number > 1:
            page["prev"] = paths.outbox_page(actor, number - 1)
        if number < pages:
            page["next"] = paths.outbox_page(actor, number + 1)
        yield page, items[(number - 1) * page_size : number * page_size]


def empty_collection(collection_id: str, kind: str = "OrderedCollection") -> JSON:
    return {
        "@context": OBJECT_CONTEXT,
        "id": collection_id,
        "type": kind,
        "totalItems": 0,
        "orderedItems": [],
    }
