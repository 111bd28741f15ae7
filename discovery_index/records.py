"""What the index stores, as frozen values: instances, collections (followed actors) and resources (their Notes).

Records are built from remote JSON by pure functions (`note_record`, `actor_record`) and written by an `IndexStore`.
Every text field is already plain text, trimmed to a bound; every URL is an absolute http(s) URL (a hostile source
cannot smuggle `javascript:` links into the search page).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FollowState(StrEnum):
    """Where the index's Follow of an actor stands."""

    NONE = "none"  # not followed (e.g. the actor is not indexable)
    PENDING = "pending"  # Follow sent, no Accept yet: deliveries are already accepted
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class InstanceRecord:
    """A server the index knows: a Lectern site or any Fediverse server one of whose actors is followed."""

    host: str  # the netloc of its actor ids, lower-case: 'oer.example.edu', '127.0.0.1:8000'
    base_url: str  # 'https://oer.example.edu'
    name: str
    software: str  # from NodeInfo: 'lectern', 'mastodon', ... ('' when unknown)
    added_at: str = ""


@dataclass(frozen=True)
class CollectionRecord:
    """An actor whose Notes are indexed: a Lectern collection (Group), or any Fediverse actor."""

    actor_id: str
    instance: str  # InstanceRecord.host
    handle: str  # '@fractions@oer.example.edu'
    kind: str  # the actor's type: 'Group', 'Person', ...
    name: str
    summary: str
    curator: str
    url: str  # its HTML page (the actor id when it has none)
    inbox: str
    tags: tuple[str, ...] = ()
    icon: str = ""
    indexable: bool | None = None  # None: the actor does not say
    outbox: str = ""
    follow_id: str = ""
    follow_state: FollowState = FollowState.NONE
    fetched_at: float = 0.0

    @property
    def may_be_indexed(self) -> bool:
        """`indexable: false` is a refusal; an actor that says nothing is indexed (it chose to be followable)."""
        return self.indexable is not False


@dataclass(frozen=True)
class ResourceRecord:
    """One Note as the index stores it. `source` says whether the educational metadata came from Lectern's terms."""

    object_id: str
    collection: str  # CollectionRecord.actor_id
    instance: str
    url: str  # the origin's HTML page (the object id when it has none)
    title: str
    summary: str
    body: str  # the curator's (or the post's) own text beyond title and summary; never the Note's fact lines
    license: str = ""  # the license URI
    language: str = ""
    resource_type: str = ""
    levels: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # where the material is
    published: str = ""
    updated: str = ""
    source: str = "activitypub"  # 'lectern' or 'activitypub'

    def texts(self) -> tuple[str, str, str, str, str, str]:
        """What is searched, field by field (weighted in this order, see SEARCH_FIELDS): title, summary, subjects,
        tags, authors, text. Never the link, license, level or type lines of the Note."""
        return (
            self.title, self.summary, "\n".join(self.subjects), "\n".join(self.tags), "\n".join(self.authors),
            self.body,
        )  # fmt: skip

    def facet_values(self) -> list[tuple[str, str]]:
        """(facet, value) pairs for filtering and counting: one row each, multi-valued facets included."""
        pairs = [("instance", self.instance)]
        pairs += [(name, value) for name, value in self._single_values() if value]
        pairs += [("level", level) for level in dict.fromkeys(self.levels)]
        pairs += [("subject", subject) for subject in {s.lower(): s for s in reversed(self.subjects)}.values()]
        return pairs

    def _single_values(self) -> list[tuple[str, str]]:
        return [("license", self.license), ("language", self.language), ("type", self.resource_type)]


SEARCH_FIELDS = ("title", "summary", "subjects", "tags", "authors", "body")
FIELD_WEIGHTS = (10.0, 4.0, 5.0, 3.0, 2.0, 1.0)  # bm25 weights: a word in the title counts most


@dataclass(frozen=True)
class UpsertResource:
    """Index (or re-index) a resource."""

    record: ResourceRecord


@dataclass(frozen=True)
class DeleteResource:
    """Forget a resource, but only if it belongs to `collection` (an actor deletes only its own objects)."""

    object_id: str
    collection: str


@dataclass(frozen=True)
class RemoveCollection:
    """Forget an actor and everything it posted (it deleted itself)."""

    actor_id: str


Change = UpsertResource | DeleteResource | RemoveCollection


@dataclass(frozen=True)
class Processed:
    """An activity to remember as processed, in the same transaction as its changes (deduplication by id)."""

    activity_id: str
    kind: str
    actor: str


@dataclass(frozen=True)
class ApplyReport:
    upserted: int = 0
    deleted: int = 0
    collections_removed: int = 0
    ignored: int = 0  # deletions of objects the index did not have (or that belong to another actor)
