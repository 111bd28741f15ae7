"""Facets in SQL: one row per distinct value (with its resource count), one row per (resource, value).

    facet_values     (id, facet, key, label, count)   `key` is the value as filters compare it (`facet_key`),
                                                      `label` the first spelling seen; `count` kept on each write,
                                                      so the home page's counts are an index read
    resource_facets  (resource_id, value_id)          WITHOUT ROWID, clustered by resource: counting a set of
                                                      matches reads each match's few rows; a second index by value
                                                      answers filters

Counts over a set of matches read the matches' rows (one primary-key range each) and count the value ids in Python
(a `GROUP BY` in SQL sorts them in a temporary B-tree and then looks up every distinct value, most of them subjects
matched once: twice the CPU); only the values that can make a facet's top are looked up, for their labels.
Which facet a value id belongs to is known in memory for every facet but `subject` (a few dozen values each), so a
value id not among them is a subject. The cost grows with the number of matches, never with the number of distinct
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
VALUES_OF = (
    "SELECT json_group_array(rf.value_id) FROM json_each(?) j JOIN resource_facets rf ON rf.resource_id = j.value"
)
MANY_VALUED = "subject"  # the facet with values by the hundred thousand; the others have a few dozen

Pair = tuple[str, str]
Value = int | Pair  # a value id, or (facet, key) for a value met first in the open transaction
Counted = tuple[str, int]  # (label, resources)
EXACT_UP_TO = 4000  # matches counted one by one; past this, an even sample
MAX_CACHED = 1_000_000  # value ids kept in memory (a few tens of MB at most)
LOOKUP_KEYS = 512  # keys looked up in one statement (`FacetTables._stored`)


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
        self.new: dict[Pair, str] = {}  # (facet, key) -> label: values first met in the open transaction
        self.delta: Counter[Value] = Counter()  # count changes of the open transaction
        self.pending: dict[int, set[Value]] = {}  # resource -> values, written at the end of the transaction
        self.few: dict[int, str] = {}  # value id -> facet, for every value not of MANY_VALUED up to `few_up_to`
        self.few_up_to = 0

    def _value(self, facet: str, label: str) -> Value:
        """The value's id when this process knows it, else its (facet, key), looked up or added by `flush`."""
        found = self.ids.get((facet, "\0" + label))  # by the label as given: no key to compute
        if found is not None:
            return found
        key = (facet, facet_key(facet, label))
        found = self.ids.get(key)
        if found is None:
            self.new.setdefault(key, label)  # the first spelling met is the label
            return key
        if len(self.ids) < MAX_CACHED:
            self.ids[(facet, "\0" + label)] = found
        return found

    def add(self, rid: int, pairs: Iterable[Pair]) -> None:
        """Give resource `rid` these values (written with the others of the transaction by `flush`)."""
        values = {self._value(facet, value) for facet, value in pairs}
        self.pending[rid] = values
        self.delta.update(values)

    def remove(self, rid: int) -> None:
        self.delta.subtract(self.pending.pop(rid, ()))
        gone = self.db.execute("DELETE FROM resource_facets WHERE resource_id = ? RETURNING value_id", (rid,))
        self.delta.subtract(row[0] for row in gone.fetchall())

    def flush(self) -> None:
        """Write the rows and count changes of this transaction (called just before it commits): the values met
        for the first time are looked up in one statement and those not stored yet added with their counts in one
        `executemany` (`_store_new`), then the resources' rows, then the other counts."""
        ids, added = self._store_new()

        def id_of(value: Value) -> int:
            return value if isinstance(value, int) else ids[value]

        rows = sorted({(rid, id_of(value)) for rid, values in self.pending.items() for value in values})
        self.db.executemany("INSERT OR IGNORE INTO resource_facets VALUES (?, ?)", rows)
        changes = [(n, id_of(value)) for value, n in self.delta.items() if n and value not in added]
        changes.sort(key=lambda change: change[1])  # the rows in the table's order
        self.db.executemany("UPDATE facet_values SET count = count + ? WHERE id = ?", changes)
        self._clear()

    def _store_new(self) -> tuple[dict[Pair, int], set[Pair]]:
        """The id of every value of `new`, and those of them just added: a value already stored (by another process,
        or before this one started) is read, any other added with its count, its id after the largest (the
        transaction holds the write lock), and `few` kept complete."""
        if not self.new:
            return {}, set()
        ids = self._stored(list(self.new))
        top = int(self.db.execute("SELECT coalesce(max(id), 0) FROM facet_values").fetchone()[0])
        added: list[tuple[int, str, str, str, int]] = []
        for (facet, key), label in self.new.items():
            if (facet, key) in ids:
                continue
            top += 1
            ids[(facet, key)] = top
            added.append((top, facet, key, label, self.delta[(facet, key)]))
            if top == self.few_up_to + 1:  # a new value, next to those known: `few` stays complete
                self.few_up_to = top
                if facet != MANY_VALUED:
                    self.few[top] = facet
        self.db.executemany("INSERT INTO facet_values (id, facet, key, label, count) VALUES (?, ?, ?, ?, ?)", added)
        if len(self.ids) < MAX_CACHED:
            self.ids.update(ids)
        return ids, {(facet, key) for _, facet, key, _, _ in added}

    def _stored(self, pairs: list[Pair]) -> dict[Pair, int]:
        """The ids of those of `pairs` already stored: per facet, `key IN (...)` over the unique index, in lists of
        a power of two up to LOOKUP_KEYS keys (padded with the last: a few statements to prepare, not one per
        length). Keys are bound as they are: any text, NUL included, compares as stored."""
        by_facet: dict[str, list[str]] = {}
        for facet, key in pairs:
            by_facet.setdefault(facet, []).append(key)
        ids: dict[Pair, int] = {}
        for facet, keys in by_facet.items():
            for start in range(0, len(keys), LOOKUP_KEYS):
                chunk = keys[start : start + LOOKUP_KEYS]
                chunk += chunk[-1:] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
                rows = self.db.execute(
                    f"SELECT key, id FROM facet_values WHERE facet = ? AND key IN ({', '.join('?' * len(chunk))})",
                    (facet, *chunk),
                )
                ids.update(((facet, key), value_id) for key, value_id in rows)
        return ids

    def _clear(self) -> None:
        self.new.clear()
        self.pending.clear()
        self.delta.clear()

    def forget(self) -> None:
        """After a rollback: the cached ids may name rows that were never committed."""
        self.ids.clear()
        self.few.clear()
        self.few_up_to = 0
        self._clear()

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
        """The ids among `ids` with a chosen value of each filtered facet: a primary-key probe per id and facet,
        the facet with the fewest resources first (cost grows with the matches, not with the size of a value's
        set)."""
        if not chosen:
            return list(ids)
        ordered = [values for _, values in self._by_size(chosen)]
        clauses = " AND ".join(
            "EXISTS (SELECT 1 FROM resource_facets rf WHERE rf.resource_id = j.value AND rf.value_id IN "
            f"({', '.join('?' * len(values))}))"
            for values in ordered
        )
        params = [value for values in ordered for value in values]
        query = f"SELECT json_group_array(j.value) FROM json_each(?) j WHERE {clauses}"
        row = self.db.execute(query, (json.dumps(list(ids)), *params)).fetchone()
        return list(json.loads(row[0]))

    def filtered_ids(self, chosen: dict[str, list[int]]) -> list[int]:
        """Every resource with a chosen value of each filtered facet, in id order: the resources of the facet with
        the fewest (read off the by-value index), kept if they have a value of each other facet (`keep_filtered`)."""
        (_, first), *others = self._by_size(chosen)
        query = (
            "SELECT json_group_array(resource_id) FROM resource_facets "
            f"WHERE value_id IN ({', '.join('?' * len(first))})"
        )
        found = json.loads(self.db.execute(query, first).fetchone()[0])
        ids = sorted(set(found)) if len(first) > 1 else found  # a resource may have two of the chosen values
        return self.keep_filtered(ids, dict(others)) if others else ids

    def _by_size(self, chosen: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
        """The chosen value ids of each facet, the facet whose values have the fewest resources first."""
        sizes = {}
        for facet, values in chosen.items():
            marks = ", ".join("?" * len(values))
            row = self.db.execute(f"SELECT coalesce(sum(count), 0) FROM facet_values WHERE id IN ({marks})", values)
            sizes[facet] = int(row.fetchone()[0])
        return sorted(chosen.items(), key=lambda item: sizes[item[0]])

    def counts_over(self, ids: Sequence[int], keep: int, chosen: dict[str, list[int]]) -> dict[str, list[Counted]]:
        """Per facet, the `keep` most frequent values among `ids` (and the chosen ones) as (label, count), most
        frequent first, then by label.

        Past EXACT_UP_TO ids the counts are read from an even sample of EXACT_UP_TO of them and scaled (see
        `is_exact`): counting 30,000 matches exactly costs more than a whole search should."""
        step = -(-len(ids) // EXACT_UP_TO)
        sample = ids if step == 1 else ids[::step]
        row = self.db.execute(VALUES_OF, (json.dumps(list(sample)),)).fetchone()
        counted = Counter[int](json.loads(row[0]))
        selected = {value for values in chosen.values() for value in values}
        result = self._top(counted, keep, selected)
        if step == 1:
            return result
        scale = len(ids) / len(sample)
        return {facet: [(label, max(1, round(n * scale))) for label, n in pairs] for facet, pairs in result.items()}

    def _top(self, counted: Counter[int], keep: int, selected: set[int]) -> dict[str, list[Counted]]:
        """The `keep` most counted values of each facet (ties by label), and the selected ones. Labels are read only
        for the values that can be among them: those counted at least as often as a facet's `keep`-th value."""
        self._know_few()
        grouped: dict[str, list[tuple[int, int]]] = {}
        for value, n in counted.items():
            grouped.setdefault(self.few.get(value, MANY_VALUED), []).append((n, value))
        wanted: list[int] = []
        for pairs in grouped.values():
            if len(pairs) > keep:
                pairs.sort(reverse=True)
                least = pairs[keep - 1][0]
                pairs[:] = [pair for pair in pairs if pair[0] >= least or pair[1] in selected]
            wanted += [value for _, value in pairs]
        labels = dict(
            self.db.execute("SELECT id, label FROM facet_values WHERE id IN (SELECT value FROM json_each(?))",
                            (json.dumps(wanted),)).fetchall()
        )  # fmt: skip
        result: dict[str, list[Counted]] = {}
        for facet in sorted(grouped):
            ordered = sorted((-n, labels.get(value, ""), value) for n, value in grouped[facet])
            result[facet] = [
                (label, -n) for place, (n, label, value) in enumerate(ordered) if place < keep or value in selected
            ]
        return result

    def _know_few(self) -> None:
        """Bring `few` up to the newest value id (values are never deleted, so the ids below are known)."""
        newest = int(self.db.execute("SELECT coalesce(max(id), 0) FROM facet_values").fetchone()[0])
        if newest > self.few_up_to:
            rows = self.db.execute(
                "SELECT id, facet FROM facet_values WHERE id > ? AND id <= ? AND facet != ?",
                (self.few_up_to, newest, MANY_VALUED),
            )
            self.few.update(rows.fetchall())
            self.few_up_to = newest

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
