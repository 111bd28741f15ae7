"""Writing the index on PostgreSQL: resources with their terms and facets, the facet counts and the vocabulary, all
in the caller's transaction (`postgres_store.PostgresIndexStore.apply`).

Several index processes may write at once. Each step takes its row locks in one order (the batch's resources by id,
`FOR UPDATE`; new facet values and words in sorted order; the facet counts by id), so two writers wait for each
other rather than deadlock. A resource stored by another process between our read and our insert is found by
`ON CONFLICT DO NOTHING` and written again as an update. Facet value ids never change once committed, so each
process keeps them in memory (`FacetIds`); ids made by a transaction are kept only once it commits.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from lectern.discovery_index.analysis import words
from lectern.discovery_index.facet_tables import facet_key
from lectern.discovery_index.link_key import link_key
from lectern.discovery_index.postgres_terms import bucket_of, document_terms
from lectern.discovery_index.records import ResourceRecord
from lectern.discovery_index.resource_rows import RESOURCE_COLUMNS
from lectern.discovery_index.spelling import vocabulary_words
from lectern.discovery_index.storage import FACETS

Connection = Any  # psycopg.Connection (kept out of the signatures: psycopg is imported only with PostgreSQL)

MAX_CACHED = 1_000_000
FACET_CODES = {facet: number for number, facet in enumerate(FACETS)}
FACET_CODE_SPAN = 8  # resources.facets holds value_id * 8 + the facet's number
COLUMNS = f"{RESOURCE_COLUMNS}, body, link_key, terms, facets"
INSERT = (
    f"INSERT INTO resources ({COLUMNS}) VALUES ({', '.join(['%s'] * 19)}, %s::tsvector, %s::integer[]) "
    "ON CONFLICT (object_id) DO NOTHING RETURNING object_id"
)
UPDATE = (
    "UPDATE resources SET "
    + ", ".join(f"{name.strip()} = %s" for name in RESOURCE_COLUMNS.split(",")[2:])
    + ", body = %s, link_key = %s, terms = %s::tsvector, facets = %s::integer[] WHERE id = %s"
)


class FacetIds:
    """(facet, key) -> facet_values.id, remembered across transactions once committed."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], int] = {}
        self.made: dict[tuple[str, str], int] = {}  # found or made by the open transaction

    def resolve(self, db: Connection, wanted: dict[tuple[str, str], str]) -> dict[tuple[str, str], int]:
        """The ids of `wanted` ((facet, key) -> the label to store if new), made where missing."""
        missing = sorted(pair for pair in wanted if pair not in self.known and pair not in self.made)
        if missing:
            facets, keys = [pair[0] for pair in missing], [pair[1] for pair in missing]
            db.execute(
                "INSERT INTO facet_values (facet, key, label) SELECT * FROM unnest(%s::text[], %s::text[], "
                "%s::text[]) ORDER BY 1, 2 ON CONFLICT (facet, key) DO NOTHING",
                (facets, keys, [wanted[pair] for pair in missing]),
            )
            rows = db.execute(
                "SELECT f.id, f.facet, f.key FROM facet_values f JOIN unnest(%s::text[], %s::text[]) w(facet, key) "
                "ON f.facet = w.facet AND f.key = w.key",
                (facets, keys),
            ).fetchall()
            self.made.update({(facet, key): int(value) for value, facet, key in rows})
        return {pair: self.known.get(pair) or self.made[pair] for pair in wanted}

    def committed(self) -> None:
        if len(self.known) < MAX_CACHED:
            self.known.update(self.made)
        self.made.clear()

    def rolled_back(self) -> None:
        self.made.clear()


def encoded(value_id: int, facet: str) -> int:
    """A facet value as `resources.facets` holds it: its id and its facet in one integer, so counts can be grouped
    by facet without reading `facet_values` (`postgres_search`)."""
    return value_id * FACET_CODE_SPAN + FACET_CODES[facet]


def bucket_value(bucket: int) -> int:
    """The sample bucket as `resources.facets` also holds it (negative: no facet value id is): a search with
    filters and no words samples its matches with the facets' GIN index alone."""
    return -1 - bucket


def row_values(record: ResourceRecord) -> list[Any]:
    r = record
    return [
        r.object_id, r.collection, r.instance, r.url, r.title, r.summary, r.license, r.language, r.resource_type,
        json.dumps(r.levels), json.dumps(r.subjects), json.dumps(r.tags), json.dumps(r.authors), json.dumps(r.links),
        r.published, r.updated, r.source, r.body, link_key(r.links[0]) if r.links else "",
    ]  # fmt: skip


class IndexWriter:
    """The changes of one transaction; `finish` writes the facet counts and the vocabulary they changed."""

    def __init__(self, db: Connection, facet_ids: FacetIds) -> None:
        self.db = db
        self.facet_ids = facet_ids
        self.delta: Counter[int] = Counter()
        self.words: Counter[str] = Counter()

    def upsert(self, records: Sequence[ResourceRecord]) -> int:
        """Store `records` (distinct object ids); how many were written. A record is not written when its object is
        indexed for another actor (an actor rewrites only its own) or the stored copy is newer."""
        stored = {
            row[1]: row
            for row in self.db.execute(
                "SELECT id, object_id, collection, updated, facets FROM resources WHERE object_id = ANY(%s) "
                "ORDER BY id FOR UPDATE",
                ([r.object_id for r in records],),
            ).fetchall()
        }
        wanted = {(f, facet_key(f, v)): v for r in records for f, v in r.facet_values()}
        ids = self.facet_ids.resolve(self.db, wanted)
        inserts, updates = [], []
        written = 0
        for record in records:
            facets = sorted({encoded(ids[(f, facet_key(f, v))], f) for f, v in record.facet_values()})
            facets.insert(0, bucket_value(bucket_of(record.object_id)))
            values = [*row_values(record), document_terms(record), facets]
            old = stored.get(record.object_id)
            if old is None:
                inserts.append((record, values))
            elif old[2] == record.collection and record.updated >= old[3]:
                updates.append([*values[2:], old[0]])
                self.delta.subtract(old[4])
                self._count(record, facets)
                written += 1
        if inserts:
            inserts.sort(key=lambda pair: pair[0].object_id)  # two writers of the same new objects wait, not deadlock
            cursor = self.db.cursor()
            cursor.executemany(INSERT, [values for _, values in inserts], returning=True)
            added: set[str] = set()
            while True:
                added.update(row[0] for row in cursor.fetchall())
                if not cursor.nextset():
                    break
            for record, values in inserts:
                if record.object_id in added:
                    self._count(record, values[-1])
                    written += 1
                else:  # stored by another process meanwhile: now it is an update
                    written += self.upsert([record])
        if updates:
            self.db.cursor().executemany(UPDATE, updates)
        return written

    def _count(self, record: ResourceRecord, facets: Iterable[int]) -> None:
        self.delta.update(facets)
        found = chain.from_iterable(words(text) for text in record.texts()[:4])  # title, summary, subjects, tags
        self.words.update(vocabulary_words(found))

    def delete(self, object_id: str, collection: str) -> bool:
        row = self.db.execute(
            "DELETE FROM resources WHERE object_id = %s AND collection = %s RETURNING facets", (object_id, collection)
        ).fetchone()
        if row is None:
            return False
        self.delta.subtract(row[0])
        return True

    def remove_collection(self, actor_id: str) -> int:
        rows = self.db.execute("DELETE FROM resources WHERE collection = %s RETURNING facets", (actor_id,)).fetchall()
        for (facets,) in rows:
            self.delta.subtract(facets)
        self.db.execute("DELETE FROM collections WHERE actor_id = %s", (actor_id,))
        self.db.execute("DELETE FROM remote_keys WHERE owner = %s", (actor_id,))
        return len(rows)

    def finish(self) -> None:
        by_id: Counter[int] = Counter()
        for value, n in self.delta.items():
            if value >= 0:  # not the sample bucket
                by_id[value // FACET_CODE_SPAN] += n
        changes = sorted((value, n) for value, n in by_id.items() if n)
        if changes:
            values = [value for value, _ in changes]
            self.db.execute("SELECT 1 FROM facet_values WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (values,))
            self.db.execute(
                "UPDATE facet_values f SET count = f.count + d.n FROM unnest(%s::integer[], %s::integer[]) d(id, n) "
                "WHERE f.id = d.id",
                (values, [n for _, n in changes]),
            )
        if self.words:
            found = sorted(self.words.items())
            self.db.execute(
                "INSERT INTO vocabulary (word, count) SELECT * FROM unnest(%s::text[], %s::integer[]) ORDER BY 1 "
                "ON CONFLICT (word) DO UPDATE SET count = vocabulary.count + excluded.count",
                ([word for word, _ in found], [n for _, n in found]),
            )
        self.delta.clear()
        self.words.clear()


def unique_runs(records: Sequence[ResourceRecord]) -> list[list[ResourceRecord]]:
    """`records` cut into runs without a repeated object id, in order (a later version is applied after)."""
    runs: list[list[ResourceRecord]] = [[]]
    seen: set[str] = set()
    for record in records:
        if record.object_id in seen:
            runs.append([])
            seen.clear()
        runs[-1].append(record)
        seen.add(record.object_id)
    return [run for run in runs if run]
