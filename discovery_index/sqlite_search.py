"""A search over SQLite: FTS5 over analysed fields, facet counts in SQL, copies of one material merged.

    1. the words (query_text): each analysed in every language the index holds (or the selected ones), OR-ed;
       phrases, `-word`, `word*`. Tried in turn: every word; every word with the last as a prefix (still being
       typed); every word with the unknown ones corrected ("did you mean", `spelling`); any word
    2. filters: each match probed for a chosen value of each filtered facet (`facet_tables.keep_filtered`)
    3. facet counts over all the filtered matches (`facet_tables`: their value ids read in one statement and
       counted; an even sample past EXACT_UP_TO); with no words and no filters, the counts kept on each write
    4. the page: bm25 order (`ORDER BY rank`, weights in records.FIELD_WEIGHTS, title highest); for a word in more
       than BROAD resources (before the filters) the title matches come first, the RANKED most recently indexed of
       them first of all (bm25 scores every row it is asked to order: 40,000 matches cost more than a search
       should; title matches are the best of them anyway), then the rest. Read until the page has enough *distinct
       materials*: a resource whose link was seen higher up is a copy (`also_in` of that hit), not a result
    5. a snippet per hit (`snippets`), computed in Python from the stored text

Browsing (no words) orders by `updated`, newest first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Generator, Iterable, Iterator

from lectern.discovery_index.analysis import language_key, query_forms
from lectern.discovery_index.facet_tables import FacetTables
from lectern.discovery_index.query_text import TextQuery, parse_query
from lectern.discovery_index.resource_rows import RESOURCE_COLUMNS
from lectern.discovery_index.result_pages import (
    attach_copies,
    candidate_searches,
    corrected_words,
    distinct_heads,
    hits_from_rows,
)
from lectern.discovery_index.spelling import Vocabulary
from lectern.discovery_index.storage import (
    FACETS,
    MAX_LIMIT,
    MAX_OFFSET,
    FacetCount,
    Hit,
    SearchQuery,
    SearchResults,
)

BROAD = 10_000
RANKED = 5_000  # a broad word's newest title matches ranked first (`_ranked`)
FACET_VALUES_SHOWN = 30
MAX_FILTER_VALUES = 10
MAX_FILTER_LENGTH = 400
SORT_UP_TO = 3000
_MATCH = "resource_text WHERE resource_text MATCH ?"


def clean_filters(filters: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Known facets only, at most MAX_FILTER_VALUES non-empty values each, cut at MAX_FILTER_LENGTH characters (no
    stored value is that long: a longer one still matches nothing, at a bounded cost)."""
    cleaned = {}
    for facet in FACETS:
        given = filters.get(facet, ())
        values = tuple(dict.fromkeys(v[:MAX_FILTER_LENGTH] for v in given if isinstance(v, str) and v))
        if values:
            cleaned[facet] = values[:MAX_FILTER_VALUES]
    return cleaned


class Searcher:
    def __init__(self, db: sqlite3.Connection, facets: FacetTables, vocabulary: Vocabulary) -> None:
        self.db = db
        self.facets = facets
        self.vocabulary = vocabulary
        self._languages: frozenset[str] | None = None

    def changed(self) -> None:
        """The index was written: forget what was read from it."""
        self._languages = None

    def languages(self, filters: dict[str, tuple[str, ...]]) -> frozenset[str]:
        """The language keys a query is analysed in: the selected languages, or every language held."""
        if "language" in filters:
            return frozenset(language_key(value) for value in filters["language"])
        if self._languages is None:
            rows = self.db.execute("SELECT key FROM facet_values WHERE facet = 'language' AND count > 0")
            self._languages = frozenset(language_key(row[0]) for row in rows)
        return self._languages

    def search(self, query: SearchQuery) -> SearchResults:
        limit = min(max(query.limit, 1), MAX_LIMIT)
        offset = min(max(query.offset, 0), MAX_OFFSET)
        filters = clean_filters(query.filters)
        chosen = self.facets.selected_ids(filters)
        text = parse_query(query.text)
        if any(not ids for ids in chosen.values()):
            return SearchResults(0, [], {}, "browse" if text.is_empty else "all")
        if text.is_empty:
            return self._browse(chosen, limit, offset)
        languages = self.languages(filters)
        ids: list[int] = []
        expression = matched = suggestion = ""
        matches = 0  # before the filters
        for candidate, how, corrected in self._expressions(text, languages):
            rows = self.db.execute(f"SELECT json_group_array(rowid) FROM {_MATCH}", (candidate,))
            found = json.loads(rows.fetchone()[0])
            ids = self.facets.keep_filtered(found, chosen)
            if ids:
                expression, matched, suggestion, matches = candidate, how, corrected, len(found)
                break
        if not ids:
            return SearchResults(0, [], {}, "all")
        facets = self._counts(self.facets.counts_over(ids, FACET_VALUES_SHOWN, chosen))
        allowed = set(ids) if chosen else None
        if query.newest:
            ranked: Iterable[int] = self._newest(ids)
        else:
            ranked = self._ranked(expression, matches > BROAD and "NOT" not in expression, allowed)
        page, more = self._page(ranked, offset, limit)
        shown = parse_query(suggestion) if suggestion else text
        hits = self._hits(page, shown, first_rank=offset + 1)
        exact = FacetTables.is_exact(len(ids))
        return SearchResults(len(ids), hits, facets, matched, suggestion, more, exact)

    def matching(self, query: SearchQuery, object_ids: list[str]) -> set[str]:
        """Which of `object_ids` match `query` strictly (every word, every filter: no "any word" fallback, no
        correction): what a followed search announces."""
        if not object_ids:
            return set()
        marks = ", ".join("?" for _ in object_ids)
        rows = self.db.execute(f"SELECT id, object_id FROM resources WHERE object_id IN ({marks})", object_ids)
        wanted = dict(rows.fetchall())
        if not wanted:
            return set()
        filters = clean_filters(query.filters)
        chosen = self.facets.selected_ids(filters)
        if any(not ids for ids in chosen.values()):
            return set()
        candidates = self.facets.keep_filtered(list(wanted), chosen)
        text = parse_query(query.text)
        if text.is_empty or not candidates:
            return {wanted[rid] for rid in candidates}
        expression = text.match(self.languages(filters))
        listed = ", ".join(str(int(rid)) for rid in candidates)
        found = self.db.execute(f"SELECT rowid FROM {_MATCH} AND rowid IN ({listed})", (expression,)).fetchall()
        return {wanted[rid] for (rid,) in found}

    def _expressions(self, text: TextQuery, languages: frozenset[str]) -> Iterator[tuple[str, str, str]]:
        """The FTS5 expressions tried in turn (`result_pages.candidate_searches`): (expression, how matched,
        suggestion)."""
        for words, options, how, suggestion in candidate_searches(text, lambda: self._corrected(text, languages)):
            yield words.match(languages, **options), how, suggestion

    def _corrected(self, text: TextQuery, languages: frozenset[str]) -> TextQuery | None:
        def unknown(word: str) -> bool:
            forms = " OR ".join('"' + form.replace('"', '""') + '"' for form in query_forms(word, languages))
            return self.db.execute(f"SELECT 1 FROM {_MATCH} LIMIT 1", (forms,)).fetchone() is None

        return corrected_words(text, unknown, self.vocabulary.suggest)

    def _ranked(self, expression: str, broad: bool, allowed: set[int] | None) -> Generator[int, None, None]:
        """The matches (of `allowed`, when filtered) in bm25 order, without repeats. A `broad` expression's title
        matches come first: the RANKED most recently indexed of them, then the other title matches, then the rest
        (bm25 ranks every row its query matches: 45,000 title matches of a common word cost 50 ms, the page needs
        20 of them)."""
        taken: set[int] = set()
        passes: list[tuple[str, int]] = [(expression, 0)]  # (expression, the least rowid)
        if broad:
            title = f"{{title}} : ({expression})"
            newest = self.db.execute(
                f"SELECT rowid FROM {_MATCH} ORDER BY rowid DESC LIMIT 1 OFFSET ?", (title, RANKED - 1)
            ).fetchone()
            passes = [(title, int(newest[0])), *passes] if newest is not None else passes
            passes.insert(-1, (title, 0))
        for current, since in passes:
            rows = self.db.execute(f"SELECT rowid FROM {_MATCH} AND rowid >= ? ORDER BY rank", (current, since))
            for (rowid,) in rows:
                if rowid in taken or (allowed is not None and rowid not in allowed):
                    continue
                taken.add(rowid)
                yield rowid

    def _page(self, ordered: Iterable[int], offset: int, limit: int) -> tuple[list[list[int]], bool]:
        """The materials ranked offset .. offset + limit of `ordered` (each: its first resource, then its copies),
        and whether more follow (`result_pages.distinct_heads`, `attach_copies`)."""
        page, keys, more = distinct_heads(self._with_link_keys(ordered, 2 * (offset + limit)), offset, limit)
        if isinstance(ordered, Generator):
            ordered.close()  # finish the statement it reads (a read transaction stays open while it is pending)
        wanted = sorted(set(keys.values()))
        same_link: list[tuple[int, str]] = []
        if wanted:
            marks = ", ".join("?" * len(wanted))
            same_link = self.db.execute(
                f"SELECT id, link_key FROM resources WHERE link_key IN ({marks}) ORDER BY id", wanted
            ).fetchall()
        return attach_copies(page, keys, same_link), more

    def _with_link_keys(self, ordered: Iterable[int], wanted: int) -> Iterator[tuple[int, str]]:
        """(resource, link key) along `ordered`, looked up in chunks of at least 64; a resource no longer stored is
        left out."""
        chunk: list[int] = []
        size = max(64, wanted)
        for rid in ordered:
            chunk.append(rid)
            if len(chunk) >= size:
                yield from self._link_keys(chunk)
                chunk = []
        if chunk:
            yield from self._link_keys(chunk)

    def _link_keys(self, rids: list[int]) -> Iterator[tuple[int, str]]:
        marks = ", ".join("?" * len(rids))
        found = dict(self.db.execute(f"SELECT id, link_key FROM resources WHERE id IN ({marks})", rids).fetchall())
        return ((rid, found[rid]) for rid in rids if rid in found)

    def _browse(self, chosen: dict[str, list[int]], limit: int, offset: int) -> SearchResults:
        if not chosen:
            total = self.facets.total()
            facets = self.facets.counts_all(FACETS, FACET_VALUES_SHOWN)
            ordered: Iterable[int] = (
                row[0] for row in self.db.execute("SELECT id FROM resources ORDER BY updated DESC, id DESC")
            )
        else:
            ids = self.facets.filtered_ids(chosen)
            total = len(ids)
            facets = self.facets.counts_over(ids, FACET_VALUES_SHOWN, chosen) if ids else {}
            ordered = self._newest(ids)
        page, more = self._page(ordered, offset, limit)
        hits = self._hits(page, TextQuery(), first_rank=0)
        exact = FacetTables.is_exact(total) or not chosen
        return SearchResults(total, hits, self._counts(facets), "browse", "", more, exact)

    def _newest(self, ids: list[int]) -> Generator[int, None, None]:
        """`ids` newest first: sorted by SQLite when few, else read off the `updated` index until the page is full."""
        if len(ids) <= SORT_UP_TO:
            query = (
                "SELECT id FROM resources WHERE id IN (SELECT value FROM json_each(?)) ORDER BY updated DESC, id DESC"
            )
            yield from (row[0] for row in self.db.execute(query, (json.dumps(ids),)))
            return
        member = set(ids)
        for (rid,) in self.db.execute("SELECT id FROM resources ORDER BY updated DESC, id DESC"):
            if rid in member:
                yield rid

    @staticmethod
    def _counts(counted: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetCount]]:
        return {facet: [FacetCount(value, n) for value, n in counted.get(facet, [])] for facet in FACETS}

    def _hits(self, page: list[list[int]], text: TextQuery, *, first_rank: int) -> list[Hit]:
        wanted = [rid for group in page for rid in group]
        if not wanted:
            return []
        rows = self.db.execute(
            f"SELECT r.id, {', '.join('r.' + c.strip() for c in RESOURCE_COLUMNS.split(','))}, r.body, c.name, c.url "
            f"FROM resources r LEFT JOIN collections c ON c.actor_id = r.collection "
            f"WHERE r.id IN ({', '.join('?' * len(wanted))})",
            wanted,
        ).fetchall()
        return hits_from_rows(page, {row[0]: row for row in rows}, text, first_rank=first_rank)
