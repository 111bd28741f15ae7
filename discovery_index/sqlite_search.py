"""A search over SQLite + FTS5 and the in-memory facet bitsets: matches, filters, counts, a ranked page, snippets.

    1. the matching ids: `SELECT rowid ... MATCH` (every term quoted, see query_text); with no resource having every
       word, any word; with no words at all, every resource (browsing)
    2. filters: AND of the facets' bitsets (OR within a facet); total = popcount
    3. facet counts over the filtered matches, all of them, not just the page (facet_bits)
    4. the page: FTS5's bm25 order (`ORDER BY rank`, weights title 10, summary 4, body 1), read until enough
       filtered matches; for a word in more than BROAD resources, the title matches are ranked first (ranking
       40,000 matches costs more than a search should; these are the best of them anyway), then the rest
    5. a snippet per hit with FTS5's snippet(), one `rowid =` lookup each (FTS5 evaluates `rowid IN (...)` by
       re-running the match per value)

Browsing (no words) orders by `updated`, newest first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from lectern.discovery_index.facet_bits import FacetBits, ids_to_mask, mask_to_ids, membership
from lectern.discovery_index.query_text import TextQuery, parse_query
from lectern.discovery_index.records import ResourceRecord
from lectern.discovery_index.storage import (
    FACETS,
    MARK_END,
    MARK_START,
    MAX_LIMIT,
    MAX_OFFSET,
    FacetCount,
    Hit,
    SearchQuery,
    SearchResults,
)

RESOURCE_COLUMNS = (
    "object_id, collection, instance, url, title, summary, license, language, resource_type, levels, subjects, "
    "tags, authors, links, published, updated, source"
)
SNIPPET = f"snippet(resources_fts, -1, '{MARK_START}', '{MARK_END}', '…', 24)"
BROAD = 10_000
FACET_VALUES_SHOWN = 30
MAX_FILTER_VALUES = 10


def record_from_row(row: Sequence[Any], body: str = "") -> ResourceRecord:
    (object_id, collection, instance, url, title, summary, license_uri, language, kind) = row[:9]
    levels, subjects, tags, authors, links = (tuple(json.loads(value)) for value in row[9:14])
    published, updated, source = row[14:17]
    return ResourceRecord(
        object_id, collection, instance, url, title, summary, body, license_uri, language, kind,
        levels, subjects, tags, authors, links, published, updated, source,
    )  # fmt: skip


def clean_filters(filters: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Known facets only, at most MAX_FILTER_VALUES non-empty values each."""
    cleaned = {}
    for facet in FACETS:
        values = tuple(dict.fromkeys(v for v in filters.get(facet, ()) if isinstance(v, str) and v))
        if values:
            cleaned[facet] = values[:MAX_FILTER_VALUES]
    return cleaned


class Searcher:
    def __init__(self, db: sqlite3.Connection, bits: FacetBits) -> None:
        self.db = db
        self.bits = bits

    def search(self, query: SearchQuery) -> SearchResults:
        limit = min(max(query.limit, 1), MAX_LIMIT)
        offset = min(max(query.offset, 0), MAX_OFFSET)
        filters = clean_filters(query.filters)
        allowed: int | None = None
        for facet, values in filters.items():
            mask = self.bits.mask(facet, values)
            allowed = mask if allowed is None else allowed & mask
        text = parse_query(query.text)
        if text.is_empty:
            matches = self.bits.all() if allowed is None else allowed
            return self._browse(matches, allowed is not None, filters, limit, offset)
        expression, matched, ids = "", "all", []
        for candidate, how in self._expressions(text):
            ids = json.loads(
                self.db.execute(f"SELECT json_group_array(rowid) FROM {_MATCH}", (candidate,)).fetchone()[0]
            )
            expression, matched = candidate, how
            if ids:
                break
        if not ids:
            return SearchResults(0, [], {}, "all")
        matches = ids_to_mask(ids) if allowed is None else ids_to_mask(ids) & allowed
        total = matches.bit_count()
        facets = self._facets(matches, filters, ids if allowed is None else None)
        if total == 0:
            return SearchResults(0, [], facets, matched)
        member = None if allowed is None else membership(matches)
        page = self._ranked(expression, len(ids) > BROAD, member, offset + limit)[offset:]
        snippets = {rid: self._snippet(expression, rid) for rid in page}
        return SearchResults(total, self._hits(page, snippets, first_rank=offset + 1), facets, matched)

    @staticmethod
    def _expressions(text: TextQuery) -> list[tuple[str, str]]:
        expressions = [(text.all_terms, "all")]
        if len(text.terms) > 1:
            expressions.append((text.any_term, "any"))
        return expressions

    def _ranked(self, expression: str, broad: bool, member: Callable[[int], bool] | None, wanted: int) -> list[int]:
        """The first `wanted` matches (of `member`, when filtered) in bm25 order."""
        picked: list[int] = []
        taken: set[int] = set()
        passes = [f"{{title}} : ({expression})", expression] if broad else [expression]
        for current in passes:
            for (rowid,) in self.db.execute(f"SELECT rowid FROM {_MATCH} ORDER BY rank", (current,)):
                if rowid in taken or (member is not None and not member(rowid)):
                    continue
                picked.append(rowid)
                taken.add(rowid)
                if len(picked) >= wanted:
                    return picked
        return picked

    def _snippet(self, expression: str, rowid: int) -> str:
        row = self.db.execute(f"SELECT {SNIPPET} FROM {_MATCH} AND rowid = ?", (expression, rowid)).fetchone()
        return str(row[0]) if row else ""

    def _browse(
        self, matches: int, filtered: bool, filters: dict[str, tuple[str, ...]], limit: int, offset: int
    ) -> SearchResults:
        total = matches.bit_count()
        facets = self._facets(matches, filters)
        if not filtered:
            rows = self.db.execute(
                "SELECT id FROM resources ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?", (limit, offset)
            )
            page = [row[0] for row in rows]
        elif total <= 5000:
            ids = mask_to_ids(matches)
            rows = self.db.execute(
                f"SELECT id FROM resources WHERE id IN ({', '.join('?' * len(ids))}) "
                "ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?",
                (*ids, limit, offset),
            )
            page = [row[0] for row in rows]
        else:
            member = membership(matches)
            page = []
            for (rid,) in self.db.execute("SELECT id FROM resources ORDER BY updated DESC, id DESC"):
                if member(rid):
                    page.append(rid)
                    if len(page) >= offset + limit:
                        break
            page = page[offset:]
        return SearchResults(total, self._hits(page, {}, first_rank=0), facets, "browse")

    def _facets(
        self, matches: int, filters: dict[str, tuple[str, ...]], ids: list[int] | None = None
    ) -> dict[str, list[FacetCount]]:
        counted = self.bits.counts(matches, FACET_VALUES_SHOWN, filters, ids)
        return {facet: [FacetCount(value, count) for value, count in pairs] for facet, pairs in counted.items()}

    def _hits(self, page: list[int], snippets: dict[int, str], *, first_rank: int) -> list[Hit]:
        if not page:
            return []
        rows = self.db.execute(
            f"SELECT r.id, {', '.join('r.' + c.strip() for c in RESOURCE_COLUMNS.split(','))}, c.name, c.url "
            f"FROM resources r LEFT JOIN collections c ON c.actor_id = r.collection "
            f"WHERE r.id IN ({', '.join('?' * len(page))})",
            page,
        ).fetchall()
        by_id = {row[0]: row for row in rows}
        hits = []
        for position, rid in enumerate(page):
            row = by_id.get(rid)
            if row is None:
                continue
            record = record_from_row(row[1:18])
            snippet = snippets.get(rid) or record.summary
            rank = first_rank + position if first_rank else 0
            hits.append(Hit(record, snippet, rank, row[18] or "", row[19] or ""))
        return hits


_MATCH = "resources_fts WHERE resources_fts MATCH ?"
