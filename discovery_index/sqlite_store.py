"""The index in SQLite: sources, resources, an FTS5 table ranked by bm25, and the federation bookkeeping.

    instances, collections    what is followed (one row per server, one per actor)
    resources                 one row per indexed Note; its `id` is the FTS rowid and the bit in the facet bitsets
    resources_fts             FTS5 over (title, summary, body), `porter unicode61 remove_diacritics 2`, ranked by
                              bm25 with weights 10 / 4 / 1: a word in the title counts most
    processed_activities      activity ids already applied (deduplication)
    remote_keys               the key cache's store (as federation_shim.state.PersistentKeyStore)

Facet values live in the resources' columns and, for searching, in memory (`facet_bits`), rebuilt at start and
updated after each committed write; the queries themselves are in `sqlite_search`.

One connection, used from the event loop's thread (like the shim's state): every call is short and synchronous, and
WAL lets another process read while the service writes. Search answers are cached until the next write (the home
page is a search with no words).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lectern.discovery_index.facet_bits import FacetBits, Pair
from lectern.discovery_index.records import (
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
from lectern.discovery_index.sqlite_search import RESOURCE_COLUMNS, Searcher, record_from_row
from lectern.discovery_index.storage import FACETS, CollectionSummary, InstanceSummary, SearchQuery, SearchResults
from lectern.federation_shim.key_cache import CachedKey

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
    authors TEXT NOT NULL, links TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL, source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_collection ON resources (collection);
CREATE INDEX IF NOT EXISTS resources_by_updated ON resources (updated DESC, id DESC);
CREATE TABLE IF NOT EXISTS processed_activities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, actor TEXT NOT NULL, processed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS remote_keys (
    key_id TEXT PRIMARY KEY, owner TEXT NOT NULL, public_key_pem TEXT NOT NULL, fetched_at REAL NOT NULL
);
"""
FTS_TABLE = """
CREATE VIRTUAL TABLE resources_fts USING fts5(title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO resources_fts (resources_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
"""
UPSERT = (
    f"INSERT INTO resources ({RESOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (object_id) DO UPDATE SET url = excluded.url, title = excluded.title, summary = excluded.summary, "
    "license = excluded.license, language = excluded.language, resource_type = excluded.resource_type, "
    "levels = excluded.levels, subjects = excluded.subjects, tags = excluded.tags, authors = excluded.authors, "
    "links = excluded.links, published = excluded.published, updated = excluded.updated, source = excluded.source "
    "WHERE resources.collection = excluded.collection AND excluded.updated >= resources.updated RETURNING id"
)
CACHE_SIZE = 256


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _collection(row: Sequence[Any]) -> CollectionRecord:
    values = list(row)
    values[9] = tuple(json.loads(values[9]))
    values[11] = None if values[11] is None else bool(values[11])
    values[14] = FollowState(values[14])
    return CollectionRecord(*values)


class SqliteIndexStore:
    """IndexStore on SQLite + FTS5; see the module docstring. `path` may be ':memory:'."""

    def __init__(self, path: Path | str, *, cache_results: bool = True) -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache
        self.db.executescript(SCHEMA)
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'resources_fts'").fetchone():
            self.db.executescript(FTS_TABLE)
        self.keys: MutableMapping[str, CachedKey] = KeyStore(self.db)
        self.bits = FacetBits(FACETS)
        for rid, *values in self.db.execute(
            "SELECT id, instance, license, language, resource_type, levels, subjects FROM resources"
        ):
            self.bits.add(rid, _facet_pairs(*values))
        self.searcher = Searcher(self.db, self.bits)
        self._pending: list[tuple[int, tuple[Pair, ...] | None]] = []  # bit changes, applied once committed
        self._cache: dict[str, SearchResults] = {}
        self._cache_size = CACHE_SIZE if cache_results else 0

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        self._pending = []
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            self._pending = []
            raise
        self.db.execute("COMMIT")
        for rid, pairs in self._pending:
            if pairs is None:
                self.bits.remove(rid)
            else:
                self.bits.add(rid, pairs)
        self._pending = []
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
            [(p.activity_id, p.kind, p.actor, now_text()) for p in processed],
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
                (instance.host, instance.base_url, instance.name, instance.software, instance.added_at or now_text()),
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
        db.executemany("DELETE FROM resources_fts WHERE rowid = ?", [(rid,) for rid in removed])
        db.execute("DELETE FROM collections WHERE actor_id = ?", (actor_id,))
        db.execute("DELETE FROM remote_keys WHERE owner = ?", (actor_id,))
        self._pending += [(rid, None) for rid in removed]
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
        levels, subjects = json.dumps(r.levels), json.dumps(r.subjects)
        row = db.execute(
            UPSERT,
            (
                r.object_id, r.collection, r.instance, r.url, r.title, r.summary, r.license, r.language,
                r.resource_type, levels, subjects, json.dumps(r.tags), json.dumps(r.authors), json.dumps(r.links),
                r.published, r.updated, r.source,
            ),
        ).fetchone()  # fmt: skip
        if row is None:
            return False
        db.execute("DELETE FROM resources_fts WHERE rowid = ?", row)
        db.execute("INSERT INTO resources_fts (rowid, title, summary, body) VALUES (?, ?, ?, ?)", (*row, *r.texts()))
        self._pending.append((row[0], tuple(r.facet_values())))
        return True

    def _delete(self, db: sqlite3.Connection, object_id: str, collection: str) -> bool:
        row = db.execute(
            "DELETE FROM resources WHERE object_id = ? AND collection = ? RETURNING id", (object_id, collection)
        ).fetchone()
        if row is None:
            return False
        db.execute("DELETE FROM resources_fts WHERE rowid = ?", row)
        self._pending.append((row[0], None))
        return True

    def resource(self, object_id: str) -> ResourceRecord | None:
        row = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS}, f.body FROM resources JOIN resources_fts f ON f.rowid = resources.id "
            "WHERE object_id = ?",
            (object_id,),
        ).fetchone()
        return record_from_row(row, row[17]) if row else None

    # Reading
    def search(self, query: SearchQuery) -> SearchResults:
        key = json.dumps([query.text, sorted(query.filters.items()), query.limit, query.offset])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        results = self.searcher.search(query)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        if self._cache_size:
            self._cache[key] = results
        return results

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


def _facet_pairs(instance: str, license_uri: str, language: str, kind: str, levels: str, subjects: str) -> list[Pair]:
    record = ResourceRecord(
        "", "", instance, "", "", "", "", license_uri, language, kind, tuple(json.loads(levels)),
        tuple(json.loads(subjects)),
    )  # fmt: skip
    return record.facet_values()


class KeyStore(MutableMapping[str, CachedKey]):
    """The key cache's store in the index's database: keys survive a restart, and a Delete from an actor whose key
    document is gone can still be verified (the pattern of `federation_shim.state.PersistentKeyStore`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __getitem__(self, key_id: str) -> CachedKey:
        row = self.db.execute("SELECT * FROM remote_keys WHERE key_id = ?", (key_id,)).fetchone()
        if row is None:
            raise KeyError(key_id)
        return CachedKey(row[0], row[1], row[2], float(row[3]))

    def __setitem__(self, key_id: str, entry: CachedKey) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO remote_keys VALUES (?, ?, ?, ?)",
            (key_id, entry.owner, entry.public_key_pem, entry.fetched_at or time.time()),
        )

    def __delitem__(self, key_id: str) -> None:
        self.db.execute("DELETE FROM remote_keys WHERE key_id = ?", (key_id,))

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self.db.execute("SELECT key_id FROM remote_keys")])

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM remote_keys").fetchone()[0])
