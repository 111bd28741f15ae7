"""The index on PostgreSQL: the `storage.IndexStore` that several index processes, on several machines, share.

`PostgresIndexStore(url)` opens a pool of connections (`federation_shim.PostgresDatabase`: autocommit, errors that
mean a busy, full or unreachable database raised as `StorageUnavailable`), brings the tables up to date
(`postgres_schema`, after the toolkit's own), and then:

    writes     each one transaction (`atomic`); `apply` stores a batch's changes, their facet counts and words
               (`postgres_writes`) *and* marks its activities processed (`INSERT ... ON CONFLICT DO NOTHING` in
               the same transaction), so a redelivered activity is applied once, whichever process it reaches
    searches   `postgres_search`: tsvector + GIN over our own analysed terms, ranked by ts_rank_cd with field
               weights, facets counted in SQL, "did you mean" from a pg_trgm index of the vocabulary
    keys       the toolkit's `PostgresKeyStore` (`remote_keys`)

Nothing read from the database is kept between calls except facet value ids (which never change once committed):
no search cache, so a resource written through one process is found at once through any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg.abc import Buffer
from psycopg.types.string import StrDumper

from lectern.discovery_index.postgres_schema import INDEX_COMPONENT, INDEX_MIGRATIONS
from lectern.discovery_index.postgres_search import PostgresSearcher
from lectern.discovery_index.postgres_writes import FacetIds, IndexWriter, unique_runs
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
from lectern.discovery_index.resource_rows import RESOURCE_COLUMNS, record_from_row
from lectern.discovery_index.storage import CollectionSummary, InstanceSummary, SearchQuery, SearchResults
from lectern.federation_shim import (
    SHIM_MIGRATIONS,
    CachedKey,
    PostgresDatabase,
    PostgresKeyStore,
    now_timestamp,
)

SHIM_COMPONENT = "federation_shim"  # the toolkit's tables (processed_activities, remote_keys) come first
COLLECTION_COLUMNS = (
    "actor_id, instance, handle, kind, name, summary, curator, url, inbox, tags, icon, indexable, outbox, follow_id, "
    "follow_state, fetched_at"
)


class NulFreeStr(StrDumper):
    """Text without NUL characters, which PostgreSQL cannot store (SQLite can; a hostile Note may send one)."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", "") if "\x00" in obj else obj)


def _collection(row: Sequence[Any]) -> CollectionRecord:
    values = list(row)
    values[9] = tuple(json.loads(values[9]))
    values[14] = FollowState(values[14])
    return CollectionRecord(*values)


class PostgresIndexStore:
    """IndexStore on PostgreSQL; see the module docstring."""

    def __init__(self, url: str, *, max_connections: int = 8, lock_timeout: float | None = 0.2) -> None:
        """`lock_timeout`: seconds a write waits for a row another process holds before it is refused as busy (the
        inbox answers 503 with Retry-After, as on SQLite)."""
        self.database = PostgresDatabase(url, max_size=max_connections, lock_timeout=lock_timeout)
        try:
            self.database.migrate(SHIM_COMPONENT, SHIM_MIGRATIONS)
            self.database.migrate(INDEX_COMPONENT, INDEX_MIGRATIONS)
        except BaseException:
            self.database.close()
            raise
        self.keys: MutableMapping[str, CachedKey] = PostgresKeyStore(self.database)
        self.facet_ids = FacetIds()
        self.searcher = PostgresSearcher(self.connection)

    def close(self) -> None:
        self.database.close()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self.database.connection() as db:
            db.adapters.register_dumper(str, NulFreeStr)
            yield db

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        try:
            with self.database.atomic() as db:
                db.adapters.register_dumper(str, NulFreeStr)
                yield db
        except BaseException:
            self.facet_ids.rolled_back()
            raise
        self.facet_ids.committed()

    # Federation bookkeeping
    def was_processed(self, activity_id: str) -> bool:
        with self.connection() as db:
            found = db.execute("SELECT 1 FROM processed_activities WHERE id = %s", (activity_id,)).fetchone()
        return found is not None

    def mark_processed(self, processed: Processed) -> None:
        with self.transaction() as db:
            self._mark(db, [processed])

    @staticmethod
    def _mark(db: Any, processed: Sequence[Processed]) -> None:
        if processed:
            db.execute(
                "INSERT INTO processed_activities (id, type, actor) SELECT * FROM unnest(%s::text[], %s::text[], "
                "%s::text[]) ON CONFLICT (id) DO NOTHING",
                ([p.activity_id for p in processed], [p.kind for p in processed], [p.actor for p in processed]),
            )

    def is_known_actor(self, actor_id: str) -> bool:
        with self.connection() as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM collections WHERE actor_id = %s) "
                "OR EXISTS (SELECT 1 FROM remote_keys WHERE owner = %s)",
                (actor_id, actor_id),
            ).fetchone()
        return bool(row and row[0])

    # Sources
    def save_instance(self, instance: InstanceRecord) -> None:
        i = instance
        with self.transaction() as db:
            db.execute(
                "INSERT INTO instances VALUES (%s, %s, %s, %s, %s) ON CONFLICT (host) DO UPDATE SET "
                "base_url = excluded.base_url, name = excluded.name, software = excluded.software",
                (i.host, i.base_url, i.name, i.software, i.added_at or now_timestamp()),
            )

    def save_collection(self, collection: CollectionRecord) -> None:
        c = collection
        updates = ", ".join(f"{name.strip()} = excluded.{name.strip()}" for name in COLLECTION_COLUMNS.split(",")[1:])
        with self.transaction() as db:
            db.execute(
                f"INSERT INTO collections ({COLLECTION_COLUMNS}) VALUES ({', '.join(['%s'] * 16)}) "
                f"ON CONFLICT (actor_id) DO UPDATE SET {updates}",
                (
                    c.actor_id, c.instance, c.handle, c.kind, c.name, c.summary, c.curator, c.url, c.inbox,
                    json.dumps(list(c.tags)), c.icon, c.indexable, c.outbox, c.follow_id, str(c.follow_state),
                    c.fetched_at,
                ),
            )  # fmt: skip

    def collection(self, actor_id: str) -> CollectionRecord | None:
        return self._one_collection("actor_id", actor_id)

    def collection_by_follow(self, follow_id: str) -> CollectionRecord | None:
        return self._one_collection("follow_id", follow_id)

    def _one_collection(self, column: str, value: str) -> CollectionRecord | None:
        with self.connection() as db:
            row = db.execute(
                f"SELECT {COLLECTION_COLUMNS} FROM collections WHERE {column} = %s LIMIT 1", (value,)
            ).fetchone()
        return _collection(row) if row else None

    def set_follow_state(self, actor_id: str, state: FollowState, processed: Processed | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE collections SET follow_state = %s WHERE actor_id = %s", (str(state), actor_id))
            if processed is not None:
                self._mark(db, [processed])

    def remove_instance(self, host: str) -> tuple[int, int]:
        with self.transaction() as db:
            writer = IndexWriter(db, self.facet_ids)
            actors = [row[0] for row in db.execute("SELECT actor_id FROM collections WHERE instance = %s", (host,))]
            resources = sum(writer.remove_collection(actor) for actor in actors)
            db.execute("DELETE FROM instances WHERE host = %s", (host,))
            writer.finish()
        return len(actors), resources

    # Resources
    def apply(self, changes: Sequence[Change], processed: Sequence[Processed] = ()) -> ApplyReport:
        upserted = deleted = removed = ignored = 0
        with self.transaction() as db:
            writer = IndexWriter(db, self.facet_ids)
            pending: list[ResourceRecord] = []

            def write_pending() -> None:
                nonlocal upserted, ignored
                for run in unique_runs(pending):
                    done = writer.upsert(run)
                    upserted, ignored = upserted + done, ignored + len(run) - done
                pending.clear()

            for change in changes:
                if isinstance(change, UpsertResource):
                    pending.append(change.record)
                    continue
                write_pending()
                if isinstance(change, DeleteResource):
                    done = writer.delete(change.object_id, change.collection)
                    deleted, ignored = deleted + done, ignored + (not done)
                elif isinstance(change, RemoveCollection):
                    deleted += writer.remove_collection(change.actor_id)
                    removed += 1
            write_pending()
            writer.finish()
            self._mark(db, processed)
        return ApplyReport(upserted, deleted, removed, ignored)

    def resource(self, object_id: str) -> ResourceRecord | None:
        with self.connection() as db:
            row = db.execute(
                f"SELECT {RESOURCE_COLUMNS}, body FROM resources WHERE object_id = %s", (object_id,)
            ).fetchone()
        return record_from_row(row, row[17]) if row else None

    # Reading
    def search(self, query: SearchQuery) -> SearchResults:
        return self.searcher.search(query)

    def matching(self, query: SearchQuery, object_ids: list[str]) -> set[str]:
        return self.searcher.matching(query, object_ids)

    def instances(self) -> list[InstanceSummary]:
        with self.connection() as db:
            rows = db.execute(
                "SELECT i.host, i.base_url, i.name, i.software, i.added_at, "
                "(SELECT count(*) FROM collections c WHERE c.instance = i.host), "
                "(SELECT count(*) FROM resources r WHERE r.instance = i.host) "
                'FROM instances i ORDER BY i.host COLLATE "C"'
            ).fetchall()
        return [InstanceSummary(InstanceRecord(*row[:5]), row[5], row[6]) for row in rows]

    def collections(self, instance: str | None = None) -> list[CollectionSummary]:
        where, params = ("WHERE c.instance = %s", [instance]) if instance else ("", [])
        columns = ", ".join(f"c.{name.strip()}" for name in COLLECTION_COLUMNS.split(","))
        with self.connection() as db:
            rows = db.execute(
                f"SELECT {columns}, (SELECT count(*) FROM resources r WHERE r.collection = c.actor_id) "
                f'FROM collections c {where} ORDER BY c.instance COLLATE "C", c.handle COLLATE "C"',
                params,
            ).fetchall()
        return [CollectionSummary(_collection(row[:16]), row[16]) for row in rows]

    def export_page(self, after: int, limit: int) -> tuple[list[ResourceRecord], int | None]:
        """Up to `limit` resources after the row `after`, in row order, and the cursor of the next page (None on the
        last one): `export`'s keyset pages."""
        with self.connection() as db:
            rows = db.execute(
                f"SELECT id, {RESOURCE_COLUMNS} FROM resources WHERE id > %s ORDER BY id LIMIT %s", (after, limit + 1)
            ).fetchall()
        page = rows[:limit]
        cursor = int(page[-1][0]) if len(rows) > limit and page else None
        return [record_from_row(row[1:]) for row in page], cursor
