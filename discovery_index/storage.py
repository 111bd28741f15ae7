"""The storage interface: the handful of operations the index service needs, whatever holds the data.

`sqlite_store.SqliteIndexStore` (SQLite + FTS5) is the default; `postgres_store.PostgresIndexStore` (tsvector + GIN,
shared by several index processes) is chosen by LECTERN_INDEX_DATABASE_URL (`config.open_index_store`).
docs/discovery-index.md sketches a search engine (Meilisearch, OpenSearch) behind the same protocol: only this
module's types cross the boundary, never SQL or rows. tests/discovery_index/test_index_store.py and
test_search_quality.py run against every store.

Every write is one transaction: `apply` stores the changes of a batch of activities *and* marks those activities
processed, so a redelivered activity is applied exactly once.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lectern.discovery_index.records import (
    ApplyReport,
    Change,
    CollectionRecord,
    FollowState,
    InstanceRecord,
    Processed,
    ResourceRecord,
)
from lectern.federation_shim import CachedKey

FACETS = ("license", "language", "level", "type", "subject", "instance")
MAX_LIMIT = 100
MAX_OFFSET = 1000


@dataclass(frozen=True)
class SearchQuery:
    """A search: the text as typed, filters (facet -> accepted values; several values of one facet are OR-ed,
    facets are AND-ed), and a page."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0
    newest: bool = False  # newest first instead of best first (a feed, a followed search)


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class Copy:
    """The same material (the same link, normalised: `link_key`) in another collection or on another site."""

    url: str
    title: str
    instance: str
    collection_name: str
    collection_url: str


@dataclass(frozen=True)
class Hit:
    record: ResourceRecord
    snippet: str  # plain text with the matched words between MARK_START and MARK_END
    rank: int  # 1 for the best match (position in the whole result list); 0 when browsing
    collection_name: str
    collection_url: str
    also_in: tuple[Copy, ...] = ()


MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True)
class SearchResults:
    """`total` resources match; `hits` is the requested page (copies of one material merged into one hit);
    `facets` counts values over all `total` matches. `matched` is 'all' (every word), 'any' (no resource had every
    word: at least one), or 'browse' (no words). `suggestion` is the text searched instead when a word of the query
    matched nothing and a close known word did ("did you mean"); `more`: there is a page after this one."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
    matched: str
    suggestion: str = ""
    more: bool = False
    facets_exact: bool = True  # False: counted over an even sample of the matches and scaled (PostgreSQL: total too)


@dataclass(frozen=True)
class InstanceSummary:
    instance: InstanceRecord
    collections: int
    resources: int


@dataclass(frozen=True)
class CollectionSummary:
    collection: CollectionRecord
    resources: int


class IndexStore(Protocol):
    """What the service needs of its storage."""

    keys: MutableMapping[str, CachedKey]  # the key cache's persistent store (federation_shim.key_cache)

    def close(self) -> None: ...

    # Federation bookkeeping
    def was_processed(self, activity_id: str) -> bool: ...
    def mark_processed(self, processed: Processed) -> None: ...
    def is_known_actor(self, actor_id: str) -> bool: ...

    # Sources
    def save_instance(self, instance: InstanceRecord) -> None: ...
    def save_collection(self, collection: CollectionRecord) -> None: ...
    def collection(self, actor_id: str) -> CollectionRecord | None: ...
    def collection_by_follow(self, follow_id: str) -> CollectionRecord | None: ...
    def set_follow_state(self, actor_id: str, state: FollowState, processed: Processed | None) -> None: ...
    def remove_instance(self, host: str) -> tuple[int, int]: ...  # (collections, resources) removed

    # Resources
    def apply(self, changes: Sequence[Change], processed: Sequence[Processed] = ()) -> ApplyReport: ...
    def resource(self, object_id: str) -> ResourceRecord | None: ...

    # Reading
    def search(self, query: SearchQuery) -> SearchResults: ...
    def matching(self, query: SearchQuery, object_ids: list[str]) -> set[str]:
        """Which of `object_ids` match `query` strictly (every word and filter)."""
        ...

    def instances(self) -> list[InstanceSummary]: ...
    def collections(self, instance: str | None = None) -> list[CollectionSummary]: ...
