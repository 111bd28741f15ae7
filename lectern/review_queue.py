"""The review queue: what strangers did to our resources, waiting for a curator (or counted, for a like or a boost).

Nothing a stranger writes reaches the site before a curator approves it (`lectern review approve ID`), because the
site is static and its readers may be children. Likes, boosts and quotes carry no words of their own on our pages:
they are `counted` as they arrive (and listed, so a curator can reject a spammer's), replies, mentions and reports
wait as `pending`. A later Update of an approved reply is kept as a `revision` and a Delete (or an Undo) as
`retracted`, both applied to the content repository by the next review run.

`ReviewQueue` is the protocol; `MemoryReviewQueue` here holds it in a dict for tests, `lectern.review_sqlite` on
disk. Both pass the same tests (tests/lectern/test_review_queue.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from lectern.federation_shim import host_of
from lectern.interactions import Interaction, Kind

Status = Literal["pending", "approved", "rejected", "counted"]
COUNTED_KINDS: frozenset[Kind] = frozenset({"like", "boost", "quote"})
ID_LENGTH = 10


@dataclass(frozen=True)
class Author:
    """Who did it, as their server describes them (fetched when the activity arrived)."""

    actor: str
    name: str = ""
    handle: str = ""  # @user@server
    url: str = ""  # their profile page
    avatar: str = ""
    inbox: str = ""  # where an answer goes (a follow request's Accept or Reject)
    shared_inbox: str = ""


@dataclass(frozen=True)
class ReviewItem:
    id: str  # short, stable, typed by a person: `lectern review approve 3f9c2a1b7e`
    interaction: Interaction
    author: Author
    status: Status
    received: str  # ISO 8601 UTC
    revised_html: str | None = None  # an Update of the post, not yet applied
    retracted: bool = False  # an Undo or a Delete, not yet applied
    unwritten: bool = False  # approved automatically (settings), not yet written into the content folder

    @property
    def kind(self) -> Kind:
        return self.interaction.kind


ITEM_COLUMNS = "id, status, received, revised_html, retracted, unwritten, interaction, author"


def item_from_row(row: tuple[Any, ...], decode: Callable[[Any], dict[str, Any]]) -> ReviewItem:
    """A stored item: `row` holds ITEM_COLUMNS in order; `decode` turns a stored JSON column into a dict (SQLite keeps
    it as text, PostgreSQL as JSONB)."""
    item_id, status, received, revised_html, retracted, unwritten, interaction, author = row
    return ReviewItem(
        item_id,
        interaction_from_json(decode(interaction)),
        Author(**decode(author)),
        status,
        received,
        revised_html,
        bool(retracted),
        bool(unwritten),
    )


def interaction_from_json(data: dict[str, Any]) -> Interaction:
    """An interaction as stored (`dataclasses.asdict`: its links a list)."""
    return Interaction(**{**data, "links": tuple(data.get("links", ()))})


def review_id(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode()).hexdigest()[:ID_LENGTH]


def new_item(interaction: Interaction, author: Author, received: str) -> ReviewItem:
    status: Status = "counted" if interaction.kind in COUNTED_KINDS else "pending"
    return ReviewItem(review_id(interaction.activity_id), interaction, author, status, received)


class ReviewQueue(Protocol):
    def add(self, item: ReviewItem) -> bool:
        """Store `item`; False when its activity was stored before (a redelivery)."""

    def retract(self, actor: str, retracted: str) -> int:
        """Mark what `actor` did with activity or post id `retracted` as taken back; how many items it touched."""

    def revise(self, actor: str, post_id: str, html: str) -> int:
        """Keep `actor`'s new text of its post `post_id`; how many items it touched."""

    def get(self, item_id: str) -> ReviewItem | None: ...

    def items(self, statuses: tuple[Status, ...] = ("pending",)) -> list[ReviewItem]:
        """Items with these statuses, oldest first."""

    def decide(self, item_id: str, status: Status) -> ReviewItem | None:
        """Approve or reject; the item as it is now, None when there is no such item."""

    def settle(self, item_id: str, html: str | None, remove: bool) -> None:
        """After a review run applied a revision (`html`) or a retraction (`remove`) to the content repository."""

    def received_from_host_since(self, host: str, since: str) -> int:
        """How many items from actors on `host` arrived at or after `since` (for the inbox's rate limit)."""

    def knows_actor(self, actor: str) -> bool:
        """Whether anything of `actor`'s is in the queue (its later Delete must then be verified and applied)."""

    def mark_written(self, item_id: str) -> None:
        """A review run wrote the automatically approved item into the content folder."""


class MemoryReviewQueue:
    """The review queue in a dict, for tests and for trying things out."""

    def __init__(self) -> None:
        self._items: dict[str, ReviewItem] = {}

    def add(self, item: ReviewItem) -> bool:
        if item.id in self._items:
            return False
        self._items[item.id] = item
        return True

    def retract(self, actor: str, retracted: str) -> int:
        touched = [i for i in self._items.values() if _is_retracted_by(i, actor, retracted)]
        for item in touched:
            if item.status in ("approved",):
                self._items[item.id] = replace(item, retracted=True)
            else:
                del self._items[item.id]
        return len(touched)

    def revise(self, actor: str, post_id: str, html: str) -> int:
        touched = [i for i in self._items.values() if i.interaction.actor == actor and i.interaction.post_id == post_id]
        for item in touched:
            if item.status == "approved":
                self._items[item.id] = replace(item, revised_html=html)
            else:
                self._items[item.id] = replace(item, interaction=replace(item.interaction, html=html))
        return len(touched)

    def get(self, item_id: str) -> ReviewItem | None:
        return self._items.get(item_id)

    def items(self, statuses: tuple[Status, ...] = ("pending",)) -> list[ReviewItem]:
        return sorted((i for i in self._items.values() if i.status in statuses), key=lambda i: (i.received, i.id))

    def decide(self, item_id: str, status: Status) -> ReviewItem | None:
        item = self._items.get(item_id)
        if item is None:
            return None
        self._items[item_id] = replace(item, status=status)
        return self._items[item_id]

    def settle(self, item_id: str, html: str | None, remove: bool) -> None:
        item = self._items.get(item_id)
        if item is None:
            return
        if remove:
            del self._items[item_id]
        elif html is not None:
            self._items[item_id] = replace(item, interaction=replace(item.interaction, html=html), revised_html=None)

    def received_from_host_since(self, host: str, since: str) -> int:
        return sum(1 for i in self._items.values() if host_of(i.interaction.actor) == host and i.received >= since)

    def knows_actor(self, actor: str) -> bool:
        return any(i.interaction.actor == actor for i in self._items.values())

    def mark_written(self, item_id: str) -> None:
        if item_id in self._items:
            self._items[item_id] = replace(self._items[item_id], unwritten=False)


def _is_retracted_by(item: ReviewItem, actor: str, retracted: str) -> bool:
    interaction = item.interaction
    return interaction.actor == actor and retracted in (interaction.activity_id, interaction.post_id)
