"""Facets in SQL: one row per distinct value (with its resource count), one row per (resource, value).

    facet_values     (id, facet, key, label, count)   `key` is the value as filters compare it (`facet_key`),
                                                      `label` the first spelling seen; `count` kept on each write,
                                                      so the home page's counts are an index read
    resource_facets  (resource_id, value_id)          WITHOUT ROWID, clustered by resource: counting a set of
                                                      matches reads each match's few rows; a second index by value
                                                      answers filters

Counts over a set of matches are one `GROUP BY value_id` over the matches' rows, the top values per facet picked
with a window function, in SQL: the cost grows with the number of matches, never with the number of distinct
values (180,000 subjects cost nothing until they match). Past EXACT_UP_TO matches (a common word, a broad filter)
an even sample of them is counted and the counts scaled: approximate, and said so (`facets_exact`).

Filters compare folded keys, so `Mathematik`, `mathematik` and `MATHEMATIK` are one subject, and `CC-BY-SA-4.0` is
its license URI (`licenses.license_key`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

from lectern.discovery_index.analysis import fold
from lectern.discovery_index.licenses import license_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS facet_values (
    id INTEGER PRIMARY KEY, facet TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, count INTEGER NOT NULL,
    UNIQUE (facet, key)
);
CREATE INDEX IF NOT EXISTS facet_values_by_count ON facet_values (facet, count DESC, label);
CREATE TABLE IF NOT EXISTS resource_facets (
    resource_id INTEGER NOT NULL, value_id INTEGER NOT NULL, PRIMARY KEY (resource_id, value_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resource_facets_by_value ON resource_facets (value_id, resource_id);
"""
COUNTS_OVER = """
SELECT v.facet, v.label, c.n FROM (
    SELECT value_id, n, row_number() OVER (PARTITION BY facet ORDER BY n DESC, label) AS place FROM (
        SELECT rf.value_id, count(*) AS n FROM json_each(?) j JOIN resource_facets rf ON rf.resource_id = j.value
        GROUP BY rf.value_id
    ) JOIN facet_values fv ON fv.id = value_id
) c JOIN facet_values v ON v.id = c.value_id WHERE c.place <= ? OR c.value_id IN (SELECT value FROM json_each(?))
ORDER BY v.facet, c.n DESC, v.label
"""

Pair = tuple[str, str]
Counted = tuple[str, int]  # (label, resources)
EXACT_UP_TO = 4000  # matches counted one by one; past this, an even sample
MAX_CACHED = 1_000_000  # value ids kept in memory (a few tens of MB at most)


def facet_key(facet: str, value: str) -> str:
    """The value as filters compare it: licenses by `license_key`, the rest folded and lower-cased."""
    if facet == "license":
        return license_key(value)
    return " ".join(fold(value.lower()).split())


class FacetTables:
    """Writes (inside the store's transaction) and reads of the facet tables; value ids cached in memory."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(SCHEMA)
        self.ids: dict[tuple[str, str], int] = {}
        self.delta: Counter[int] = Counter()  # count changes of the open transaction
        self.pending: dict[int, set[int]] = {}  # resource -> value ids, written at the end of the transaction

    def _value_id(self, facet: str, label: str) -> int:
        found = self.ids.get((facet, "\0" + label))  # by the label as given: no key to compute
        if found is not None:
            return found
        key = (facet, facet_key(facet, label))
        found = self.ids.get(key)
        if found is None:
            row = self.db.execute(
                "INSERT INTO facet_values (facet, key, label, count) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (facet, key) DO UPDATE SET count = count RETURNING id",
                (*key, label),
            ).fetchone()
            found = self.ids[key] = int(row[0])
        if len(self.ids) < MAX_CACHED:
            self.ids[(facet, "\0" + label)] = found
        return found

    def add(self, rid: int, pairs: Iterable[Pair]) -> None:
        """Give resource `rid` these values (written with the others of the transaction by `flush`)."""
        values = {self._value_id(facet, value) for facet, value in pairs}
        self.pending[rid] = values
        self.delta.update(values)

    def remove(self, rid: int) -> None:
        self.delta.subtract(self.pending.pop(rid, ()))
        gone = self.db.execute("DELETE FROM resource_facets WHERE resource_id = ? RETURNING value_id", (rid,))
        self.delta.subtract(row[0] for row in gone.fetchall())

    def flush(self) -> None:
        """Write the rows and count changes of this transaction (called just before it commits)."""
        rows = sorted((rid, value) for rid, values in self.pending.items() for value in values)
        self.db.executemany("INSERT OR IGNORE INTO resource_facets VALUES (?, ?)", rows)
        changes = [(n, value) for value, n in self.delta.items() if n]
        self.db.executemany("UPDATE facet_values SET count = count + ? WHERE id = ?", changes)
        self.pending.clear()
        self.delta.clear()

    def forget(self) -> None:
        """After a rollback: the cached ids may name rows that were never committed."""
        self.ids.clear()
        self.pending.clear()
        self.delta.clear()

    def selected_ids(self, filters: dict[str, tuple[str, ...]]) -> dict[str, list[int]]:
        """Per filtered facet, the ids of its values matching the filter (empty: nothing can match)."""
        chosen: dict[str, list[int]] = {}
        for facet, values in filters.items():
            keys = sorted({facet_key(facet, value) for value in values})
            rows = self.db.execute(
                f"SELECT id FROM facet_values WHERE facet = ? AND key IN ({', '.join('?' * len(keys))})",
                (facet, *keys),
            )
            chosen[facet] = [row[0] for row in rows]
        return chosen

    def keep_filtered(self, ids: Sequence[int], chosen: dict[str, list[int]]) -> list[int]:
        """The ids among `ids` with a chosen value of each filtered facet: a primary-key probe per id and facet
        (cost grows with the matches, not with the size of a value's set)."""
        if not chosen:
            return list(ids)
        clauses = " AND ".join(
            "EXISTS (SELECT 1 FROM resource_facets rf WHERE rf.resource_id = j.value AND rf.value_id IN "
            f"({', '.join('?' * len(values))}))"
            for values in chosen.values()
        )
        params = [value for values in chosen.values() for value in values]
        rows = self.db.execute(f"SELECT j.value FROM json_each(?) j WHERE {clauses}", (json.dumps(list(ids)), *params))
        return [row[0] for row in rows]

    def filtered_ids(self, chosen: dict[str, list[int]]) -> list[int]:
        """Every resource with a chosen value of each filtered facet."""
        parts = [
            f"SELECT resource_id FROM resource_facets WHERE value_id IN ({', '.join('?' * len(ids))})"
            for ids in chosen.values()
        ]
        params = [value for ids in chosen.values() for value in ids]
        return [row[0] for row in self.db.execute(" INTERSECT ".join(parts), params)]

    def counts_over(self, ids: Sequence[int], keep: int, chosen: dict[str, list[int]]) -> dict[str, list[Counted]]:
        """Per facet, the `keep` most frequent values among `ids` (and the chosen ones) as (label, count).

        Past EXACT_UP_TO ids the counts are read from an even sample of EXACT_UP_TO of them and scaled (see
        `is_exact`): counting 30,000 matches exactly costs more than a whole search should."""
        step = -(-len(ids) // EXACT_UP_TO)
        sample = ids if step == 1 else ids[::step]
        selected = json.dumps([value for values in chosen.values() for value in values])
        rows = self.db.execute(COUNTS_OVER, (json.dumps(list(sample)), keep, selected))
        counted = _by_facet(rows)
        if step == 1:
            return counted
        scale = len(ids) / len(sample)
        return {facet: [(label, max(1, round(n * scale))) for label, n in pairs] for facet, pairs in counted.items()}

    @staticmethod
    def is_exact(matches: int) -> bool:
        return matches <= EXACT_UP_TO

    def counts_all(self, facets: Sequence[str], keep: int) -> dict[str, list[Counted]]:
        """Per facet, the `keep` most frequent values over every resource (the home page): an index read each."""
        result: dict[str, list[Counted]] = {}
        for facet in facets:
            rows = self.db.execute(
                "SELECT label, count FROM facet_values WHERE facet = ? AND count > 0 ORDER BY count DESC, label "
                "LIMIT ?",
                (facet, keep),
            )
            result[facet] = [(label, count) for label, count in rows]
        return result

    def total(self) -> int:
        """How many resources are indexed: each has exactly one instance."""
        row = self.db.execute("SELECT coalesce(sum(count), 0) FROM facet_values WHERE facet = 'instance'").fetchone()
        return int(row[0])


def _by_facet(rows: Iterable[tuple[str, str, int]]) -> dict[str, list[Counted]]:
    result: dict[str, list[Counted]] = {}
    for facet, label, count in rows:
        result.setdefault(facet, []).append((label, count))
    return result
