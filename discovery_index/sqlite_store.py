"""The index in SQLite: sources, resources, an FTS5 table ranked by bm25, and the federation bookkeeping.

    instances, collections    what is followed (one row per server, one per actor)
    resources                 one row per indexed Note; its `id` is the FTS rowid; `link_key` finds copies of one
                              material (`link_key`)
    resource_text             FTS5 over the searched fields (records.SEARCH_FIELDS), holding *analysed* terms
                              (`analysis`: folded, stemmed in the resource's language), ranked by bm25 with
                              records.FIELD_WEIGHTS: a word in the title counts most
    facet_values, resource_facets   the facets (`facet_tables`), counted in SQL
    vocabulary                the words indexed, for "did you mean" (`spelling`)
    processed_activities      activity ids already applied (deduplication); WITHOUT ROWID: one B-tree, by id
    remote_keys               the key cache's store (as federation_shim.SqliteKeyStore)

The queries themselves are in `sqlite_search`. A database written by an older version (`resources_fts`, unanalysed)
is re-indexed from its rows when opened.

One connection, used from the event loop's thread (like the shim's state): every call is short and synchronous, and
WAL lets another process read while the service writes. Search answers are cached until the next write (the home
page is a search with no words).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from lectern.discovery_index.analysis import analyse_words, language_key, words
from lectern.discovery_index.facet_tables import FacetTables
from lectern.discovery_index.link_key import link_key
from lectern.discovery_index.records import (
    FIELD_WEIGHTS,
    SEARCH_FIELDS,
    ApplyReport,
    Change,
    CollectionRecord,
    DeleteResource,
    FollowState,
    InstanceRecord,
    Processed,
    RemoveCollection,
    ResourceRecord,
    UpsertResource,
)
from lectern.discovery_index.resource_rows import RESOURCE_COLUMNS, record_from_row
from lectern.discovery_index.spelling import Vocabulary
from lectern.discovery_index.sqlite_keys import KeyStore
from lectern.discovery_index.sqlite_search import Searcher
from lectern.discovery_index.storage import CollectionSummary, InstanceSummary, SearchQuery, SearchResults
from lectern.federation_shim import CachedKey, now_timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    host TEXT PRIMARY KEY, base_url TEXT NOT NULL, name TEXT NOT NULL, software TEXT NOT NULL, added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
    actor_id TEXT PRIMARY KEY, instance TEXT NOT NULL, handle TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    summary TEXT NOT NULL, curator TEXT NOT NULL, url TEXT NOT NULL, inbox TEXT NOT NULL, tags TEXT NOT NULL,
    icon TEXT NOT NULL, indexable INTEGER, outbox TEXT NOT NULL, follow_id TEXT NOT NULL, follow_state TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS collections_by_instance ON collections (instance);
CREATE INDEX IF NOT EXISTS collections_by_follow ON collections (follow_id);
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY, object_id TEXT NOT NULL UNIQUE, collection TEXT NOT NULL, instance TEXT NOT NULL,
    url TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL, license TEXT NOT NULL, language TEXT NOT NULL,
    resource_type TEXT NOT NULL, levels TEXT NOT NULL, subjects TEXT NOT NULL, tags TEXT NOT NULL,
    authors TEXT NOT NULL, links TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL, source TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '', link_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS resources_by_collection ON resources (collection);
CREATE INDEX IF NOT EXISTS resources_by_updated ON resources (updated DESC, id DESC);
CREATE INDEX IF NOT EXISTS resources_by_link ON resources (link_key);
CREATE TABLE IF NOT EXISTS processed_activities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, actor TEXT NOT NULL, processed_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS remote_keys (
    key_id TEXT PRIMARY KEY, owner TEXT NOT NULL, public_key_pem TEXT NOT NULL, fetched_at REAL NOT NULL
);
"""
FTS_TABLE = f"""
CREATE VIRTUAL TABLE resource_text USING fts5({", ".join(SEARCH_FIELDS)}, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO resource_text (resource_text, rank) VALUES ('rank', 'bm25({", ".join(map(str, FIELD_WEIGHTS))})');
"""
UPSERT = (
    f"INSERT INTO resources ({RESOURCE_COLUMNS}, body, link_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (object_id) DO UPDATE SET url = excluded.url, title = excluded.title, summary = excluded.summary, "
    "license = excluded.license, language = excluded.language, resource_type = excluded.resource_type, "
    "levels = excluded.levels, subjects = excluded.subjects, tags = excluded.tags, authors = excluded.authors, "
    "links = excluded.links, published = excluded.published, updated = excluded.updated, source = excluded.source, "
    "body = excluded.body, link_key = excluded.link_key "
    "WHERE resources.collection = excluded.collection AND excluded.updated >= resources.updated RETURNING id"
)
CACHE_SIZE = 256


def json_array(values: tuple[str, ...]) -> str:
    """A column of strings as its JSON array (`resource_rows.record_from_row` reads it back): orjson, a tenth of
    the time of `json.dumps` (UTF-8 rather than escapes, no spaces: the same array to any JSON reader)."""
    return orjson.dumps(values).decode()


def _collection(row: Sequence[Any]) -> CollectionRecord:
    values = list(row)
    values[9] = tuple(json.loads(values[9]))
    values[11] = None if values[11] is None else bool(values[11])
    values[14] = FollowState(values[14])
    return CollectionRecord(*values)


BUSY_TIMEOUT_MS = 200


class SqliteIndexStore:
    """IndexStore on SQLite + FTS5; see the module docstring. `path` may be ':memory:'."""

    def __init__(self, path: Path | str, *, cache_results: bool = True) -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # the WAL is copied into the database every 64 MB rather than every 4 MB: a page written by many batches
        # (the FTS5 segments, the indexes) is copied once, and the copy's fsync comes 16 times less often (ingestion
        # measured 5% less CPU and 15% less wall clock); the file is cut back to 64 MB after a copy
        self.db.execute("PRAGMA wal_autocheckpoint=16384")
        self.db.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")
        # another process's write lock is waited for briefly, never seconds: the event loop waits with it; a
        # request that still finds the database busy is answered 503 with Retry-After (federation_shim.asgi)
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache
        old_text = self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'resources_fts'").fetchone()
        if old_text:
            _upgrade_resources(self.db)
        self.db.executescript(SCHEMA)
        self.keys: MutableMapping[str, CachedKey] = KeyStore(self.db)
        self.facets = FacetTables(self.db)
        self.vocabulary = Vocabulary(self.db)
        self.searcher = Searcher(self.db, self.facets, self.vocabulary)
        self._cache: dict[str, SearchResults] = {}
        self._cache_size = CACHE_SIZE if cache_results else 0
        self._top_id = int(self.db.execute("SELECT coalesce(max(id), 0) FROM resources").fetchone()[0])
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'resource_text'").fetchone():
            self.db.executescript(FTS_TABLE)
            self._reindex()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.facets.flush()
            self.vocabulary.flush()
        except BaseException:
            self.db.execute("ROLLBACK")
            self.facets.forget()
            self.vocabulary.forget()
            raise
        self.db.execute("COMMIT")
        self.searcher.changed()
        self._cache.clear()

    # Federation bookkeeping
    def was_processed(self, activity_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM processed_activities WHERE id = ?", (activity_id,)).fetchone() is not None

    def mark_processed(self, processed: Processed) -> None:
        with self.transaction() as db:
            self._mark(db, [processed])

    @staticmethod
    def _mark(db: sqlite3.Connection, processed: Sequence[Processed]) -> None:
        db.executemany(
            "INSERT OR IGNORE INTO processed_activities VALUES (?, ?, ?, ?)",
            [(p.activity_id, p.kind, p.actor, now_timestamp()) for p in processed],
        )

    def is_known_actor(self, actor_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM collections WHERE actor_id = ? UNION ALL SELECT 1 FROM remote_keys WHERE owner = ? LIMIT 1",
            (actor_id, actor_id),
        ).fetchone()
        return row is not None

    # Sources
    def save_instance(self, instance: InstanceRecord) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO instances VALUES (?, ?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET "
                "base_url = excluded.base_url, name = excluded.name, software = excluded.software",
                (
                    instance.host,
                    instance.base_url,
                    instance.name,
                    instance.software,
                    instance.added_at or now_timestamp(),
                ),
            )

    def save_collection(self, collection: CollectionRecord) -> None:
        c = collection
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO collections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c.actor_id, c.instance, c.handle, c.kind, c.name, c.summary, c.curator, c.url, c.inbox,
                    json.dumps(list(c.tags)), c.icon, None if c.indexable is None else int(c.indexable), c.outbox,
                    c.follow_id, str(c.follow_state), c.fetched_at,
                ),
            )  # fmt: skip

    def collection(self, actor_id: str) -> CollectionRecord | None:
        row = self.db.execute("SELECT * FROM collections WHERE actor_id = ?", (actor_id,)).fetchone()
        return _collection(row) if row else None

    def collection_by_follow(self, follow_id: str) -> CollectionRecord | None:
        row = self.db.execute("SELECT * FROM collections WHERE follow_id = ?", (follow_id,)).fetchone()
        return _collection(row) if row else None

    def set_follow_state(self, actor_id: str, state: FollowState, processed: Processed | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE collections SET follow_state = ? WHERE actor_id = ?", (str(state), actor_id))
            if processed is not None:
                self._mark(db, [processed])

    def remove_instance(self, host: str) -> tuple[int, int]:
        with self.transaction() as db:
            actors = [row[0] for row in db.execute("SELECT actor_id FROM collections WHERE instance = ?", (host,))]
            resources = sum(self._remove_collection(db, actor) for actor in actors)
            db.execute("DELETE FROM instances WHERE host = ?", (host,))
        return len(actors), resources

    def _remove_collection(self, db: sqlite3.Connection, actor_id: str) -> int:
        removed = [row[0] for row in db.execute("DELETE FROM resources WHERE collection = ? RETURNING id", (actor_id,))]
        db.executemany("DELETE FROM resource_text WHERE rowid = ?", [(rid,) for rid in removed])
        for rid in removed:
            self.facets.remove(rid)
        db.execute("DELETE FROM collections WHERE actor_id = ?", (actor_id,))
        db.execute("DELETE FROM remote_keys WHERE owner = ?", (actor_id,))
        return len(removed)

    # Resources
    def apply(self, changes: Sequence[Change], processed: Sequence[Processed] = ()) -> ApplyReport:
        upserted = deleted = removed = ignored = 0
        with self.transaction() as db:
            for change in changes:
                if isinstance(change, UpsertResource):
                    done = self._upsert(db, change.record)
                    upserted, ignored = upserted + done, ignored + (not done)
                elif isinstance(change, DeleteResource):
                    done = self._delete(db, change.object_id, change.collection)
                    deleted, ignored = deleted + done, ignored + (not done)
                elif isinstance(change, RemoveCollection):
                    deleted += self._remove_collection(db, change.actor_id)
                    removed += 1
            self._mark(db, processed)
        return ApplyReport(upserted, deleted, removed, ignored)

    def _upsert(self, db: sqlite3.Connection, r: ResourceRecord) -> bool:
        """False when the object id is indexed for another actor (an actor rewrites only its own), or the stored copy
        is newer (a backfilled page read before a delivered Update must not undo it)."""
        row = db.execute(
            UPSERT,
            (
                r.object_id, r.collection, r.instance, r.url, r.title, r.summary, r.license, r.language,
                r.resource_type, json_array(r.levels), json_array(r.subjects), json_array(r.tags),
                json_array(r.authors), json_array(r.links), r.published, r.updated, r.source, r.body,
                link_key(r.links[0]) if r.links else "",
            ),
        ).fetchone()  # fmt: skip
        if row is None:
            return False
        if row[0] <= self._top_id:  # an update (a new row's id is above every id seen: nothing to remove)
            db.execute("DELETE FROM resource_text WHERE rowid = ?", row)
            self.facets.remove(row[0])
        self._top_id = max(self._top_id, row[0])
        self._index(db, row[0], r)
        return True

    def _index(self, db: sqlite3.Connection, rid: int, r: ResourceRecord) -> None:
        """The searchable part of a stored resource: its analysed fields, its facets, its words."""
        key = language_key(r.language)
        found = [words(text) for text in r.texts()]
        db.execute(
            f"INSERT INTO resource_text (rowid, {', '.join(SEARCH_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rid, *(analyse_words(field, key) for field in found)),
        )
        self.facets.add(rid, r.facet_values())
        self.vocabulary.add(chain.from_iterable(found[:4]))  # title, summary, subjects, tags

    def _reindex(self) -> None:
        """Analyse every stored resource again (a database from before `resource_text`)."""
        with self.transaction() as db:
            rows = db.execute(f"SELECT id, {RESOURCE_COLUMNS}, body FROM resources").fetchall()
            db.execute("DELETE FROM resource_facets")
            for row in rows:
                record = record_from_row(row[1:18], row[18])
                key = link_key(record.links[0]) if record.links else ""
                db.execute("UPDATE resources SET link_key = ? WHERE id = ?", (key, row[0]))
                self._index(db, row[0], record)

    def _delete(self, db: sqlite3.Connection, object_id: str, collection: str) -> bool:
        row = db.execute(
            "DELETE FROM resources WHERE object_id = ? AND collection = ? RETURNING id", (object_id, collection)
        ).fetchone()
        if row is None:
            return False
        db.execute("DELETE FROM resource_text WHERE rowid = ?", row)
        self.facets.remove(row[0])
        return True

    def resource(self, object_id: str) -> ResourceRecord | None:
        row = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS}, body FROM resources WHERE object_id = ?",
            (object_id,),
        ).fetchone()
        return record_from_row(row, row[17]) if row else None

    # Reading
    def search(self, query: SearchQuery) -> SearchResults:
        key = json.dumps([query.text, sorted(query.filters.items()), query.limit, query.offset, query.newest])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        results = self.searcher.search(query)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        if self._cache_size:
            self._cache[key] = results
        return results

    def matching(self, query: SearchQuery, object_ids: list[str]) -> set[str]:
        return self.searcher.matching(query, object_ids)

    def instances(self) -> list[InstanceSummary]:
        rows = self.db.execute(
            "SELECT i.*, (SELECT count(*) FROM collections c WHERE c.instance = i.host), "
            "(SELECT count(*) FROM resources r WHERE r.instance = i.host) FROM instances i ORDER BY i.host"
        ).fetchall()
        return [InstanceSummary(InstanceRecord(*row[:5]), row[5], row[6]) for row in rows]

    def collections(self, instance: str | None = None) -> list[CollectionSummary]:
        where, params = ("WHERE c.instance = ?", [instance]) if instance else ("", [])
        rows = self.db.execute(
            f"SELECT c.*, (SELECT count(*) FROM resources r WHERE r.collection = c.actor_id) FROM collections c "
            f"{where} ORDER BY c.instance, c.handle",
            params,
        ).fetchall()
        return [CollectionSummary(_collection(row[:16]), row[16]) for row in rows]


def _upgrade_resources(db: sqlite3.Connection) -> None:
    """A database from before the analysed `resource_text`: keep each resource's text in `resources.body`, drop the
    old full-text table; the store then re-indexes every row."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(resources)")}
    db.execute("BEGIN IMMEDIATE")
    for column in ("body", "link_key"):
        if column not in columns:
            db.execute(f"ALTER TABLE resources ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE resources SET body = (SELECT f.body FROM resources_fts f WHERE f.rowid = resources.id)")
    db.execute("DROP TABLE resources_fts")
    db.execute("COMMIT")
