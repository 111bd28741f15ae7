"""A search over PostgreSQL, with the semantics of `sqlite_search` (the shared suite in tests/discovery_index checks
both stores):

    1. the words (query_text, as tsquery literals by `postgres_terms`), tried in turn: every word; every word with
       the last as a prefix; every word with the unknown ones corrected ("did you mean", `postgres_spelling`); any
       word. The first that matches anything (with the filters) is the search
    2. filters: `facets && ARRAY[ids of the chosen values]` per facet (a GIN index), in the same statement
    3. how many match: counted, or past ESTIMATE_FROM estimated from an even sample (the first of the sample
       buckets, `postgres_terms.BUCKETS`: the same GIN index finds them). Facet counts over all the matches, in SQL
       (`unnest(facets) ... GROUP BY`); past SAMPLE_ROWS matches over the first buckets that hold about SAMPLE_ROWS
       of them, scaled, `facets_exact=False` (then the total is estimated from that sample too); with no words and
       no filters, the counts kept on each write (an index read)
    4. the page: ts_rank with field weights (title highest); for a word in more than BROAD resources the title
       matches come first (the `^` lexemes: only the titles' posting lists are read; at most RANK_UP_TO of them,
       the first found, are ranked), then the rest. Read until the
       page has enough distinct materials: a resource whose link was seen higher up is a copy (`also_in`)
    5. a snippet per hit (`snippets`), computed in Python from the page's rows only

Browsing (no words) and newest-first searches order by `updated`, newest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from lectern.discovery_index.analysis import language_key
from lectern.discovery_index.facet_tables import facet_key
from lectern.discovery_index.postgres_spelling import suggest
from lectern.discovery_index.postgres_terms import BUCKETS, RANK_WEIGHTS, buckets_query, text_query, word_query
from lectern.discovery_index.postgres_writes import bucket_value, encoded
from lectern.discovery_index.query_text import TextQuery, parse_query
from lectern.discovery_index.resource_rows import RESOURCE_COLUMNS
from lectern.discovery_index.result_pages import (
    Candidate,
    attach_copies,
    candidate_searches,
    corrected_words,
    distinct_heads,
    hits_from_rows,
)
from lectern.discovery_index.sqlite_search import FACET_VALUES_SHOWN, clean_filters
from lectern.discovery_index.storage import (
    FACETS,
    MAX_LIMIT,
    MAX_OFFSET,
    FacetCount,
    Hit,
    SearchQuery,
    SearchResults,
)

ESTIMATE_FROM = 5_000  # up to about this many matches, one pass counts, ranks and counts facets exactly
SAMPLE_ROWS = 2_000  # past ESTIMATE_FROM, the total and the facets come from a sample of about this many matches
RANK_UP_TO = 1_500  # past ESTIMATE_FROM, title matches first: this many of them are ranked, at most
INDEXED_FILTER_UP_TO = 20_000  # with words, a filter on values held by more resources is checked row by row
NEWEST = "updated DESC, id DESC"
RANK = f"ts_rank('{RANK_WEIGHTS}'::real[], terms, %s::tsquery, 1)"
RANKED = f"{RANK} DESC, id"
FIRST_CHUNK = 100
COUNTS = """
WITH counted AS (
    SELECT v, count(*) AS n FROM resources r, unnest(r.facets) v WHERE {where} AND v >= 0 GROUP BY v
), placed AS (
    SELECT v, n, row_number() OVER (PARTITION BY v %% 8 ORDER BY n DESC, v) AS place FROM counted
)
SELECT fv.facet, fv.label, p.n FROM placed p JOIN facet_values fv ON fv.id = p.v / 8
WHERE p.place <= %s OR p.v = ANY(%s::integer[])
"""
ONE_PASS = """
WITH matches AS MATERIALIZED (
    SELECT id, link_key, facets, updated, {rank} AS rank FROM resources WHERE {where}
), counted AS (
    SELECT v, count(*) AS n FROM matches, unnest(matches.facets) v WHERE v >= 0 GROUP BY v
), placed AS (
    SELECT v, n, row_number() OVER (PARTITION BY v %% 8 ORDER BY n DESC, v) AS place FROM counted
)
(SELECT 0 AS part, fv.facet, fv.label, p.n FROM placed p JOIN facet_values fv ON fv.id = p.v / 8
 WHERE p.place <= %s OR p.v = ANY(%s::integer[]))
UNION ALL (SELECT 1, '', '', count(*) FROM matches)
UNION ALL (SELECT 2, link_key, '', id FROM matches ORDER BY {order} LIMIT %s)
"""
COUNTS_ALL = """
SELECT f.facet, v.label, v.count FROM unnest(%s::text[]) f(facet) CROSS JOIN LATERAL (
    SELECT label, count FROM facet_values WHERE facet = f.facet AND count > 0 ORDER BY count DESC, label COLLATE "C"
    LIMIT %s
) v
"""

Connect = Callable[[], AbstractContextManager[Any]]
Counted = dict[str, list[FacetCount]]


class Filter:
    """A WHERE clause over `resources` and its parameters: the chosen facet values, and optionally a tsquery. With a
    tsquery, the filters on `wide` facets (values held by more than INDEXED_FILTER_UP_TO resources) are checked on
    the rows the words find, not read from the facets' index: building a bitmap of 150,000 rows to intersect with
    the words' costs more than checking the words' rows."""

    def __init__(
        self,
        chosen: dict[str, list[int]],
        query: str = "",
        extra: tuple[str, list[Any]] | None = None,
        wide: frozenset[str] = frozenset(),
    ):
        checked = "(facets && %s::integer[]) IS TRUE"  # the same test, in a form no index answers
        self.clauses = [checked if query and f in wide else "facets && %s::integer[]" for f in chosen]
        self.params: list[Any] = list(chosen.values())
        if query:
            self.clauses.insert(0, "terms @@ %s::tsquery")
            self.params.insert(0, query)
        if extra:
            self.clauses.append(extra[0])
            self.params += extra[1]

    def in_buckets(self, count: int) -> Filter:
        """Only the resources of the first `count` sample buckets: found by the terms' GIN index with the words, by
        the facets' one without (its fast scan then skips through a common value's long list)."""
        if self.clauses and self.clauses[0].startswith("terms"):
            return self.also("terms @@ %s::tsquery", buckets_query(count))
        return self.also("facets && %s::integer[]", [bucket_value(n) for n in range(min(count, BUCKETS))])

    def also(self, clause: str, *params: Any) -> Filter:
        more = Filter({})
        more.clauses, more.params = [*self.clauses, clause], [*self.params, *params]
        return more

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "true"


class PostgresSearcher:
    def __init__(self, connect: Connect) -> None:
        self.connect = connect

    def search(self, query: SearchQuery) -> SearchResults:
        limit = min(max(query.limit, 1), MAX_LIMIT)
        offset = min(max(query.offset, 0), MAX_OFFSET)
        filters = clean_filters(query.filters)
        text = parse_query(query.text)
        with self.connect() as db:
            chosen, wide = _selected_ids(db, filters)
            if any(not ids for ids in chosen.values()):
                return SearchResults(0, [], {}, "browse" if text.is_empty else "all")
            if text.is_empty:
                return self._browse(db, chosen, limit, offset)
            languages = _languages(db, filters)
            candidates = candidate_searches(text, lambda: _corrected(db, text, languages))
            found = _first_match(db, candidates, chosen, wide, languages)
            if found is None:
                return SearchResults(0, [], {}, "all")
            words, options, matched, suggestion, where = found
            in_first = _count(db, where.in_buckets(1))
            if in_first * BUCKETS <= ESTIMATE_FROM:
                total, facets, ordered = _one_pass(db, where, chosen, not query.newest, offset + limit)
                exact = True
            else:
                facets, total = _sampled_facets(db, where, in_first, chosen)
                exact = False
                if query.newest:
                    ordered = _ordered(db, [(where, 0)], NEWEST, [])
                else:
                    titles = Filter(chosen, text_query(words, languages, title=True, **options), None, wide)
                    ordered = _ordered(db, [(titles, RANK_UP_TO), (where, 0)], RANKED, [where.params[0]])
            page, more = _page(db, ordered, offset, limit)
            hits = _hits(db, page, parse_query(suggestion) if suggestion else text, first_rank=offset + 1)
        return SearchResults(total, hits, facets, matched, suggestion, more, exact)

    def matching(self, query: SearchQuery, object_ids: list[str]) -> set[str]:
        """Which of `object_ids` match `query` strictly (every word, every filter: no "any word" fallback, no
        correction): what a followed search announces."""
        if not object_ids:
            return set()
        filters = clean_filters(query.filters)
        text = parse_query(query.text)
        with self.connect() as db:
            chosen, _wide = _selected_ids(db, filters)
            if any(not ids for ids in chosen.values()):
                return set()
            words = "" if text.is_empty else text_query(text, _languages(db, filters))
            where = Filter(chosen, words, ("object_id = ANY(%s)", [object_ids]), frozenset(chosen))
            rows = db.execute(f"SELECT object_id FROM resources WHERE {where.sql}", where.params).fetchall()
        return {row[0] for row in rows}

    def _browse(self, db: Any, chosen: dict[str, list[int]], limit: int, offset: int) -> SearchResults:
        where = Filter(chosen)
        if not chosen:
            row = db.execute("SELECT coalesce(sum(count), 0) FROM facet_values WHERE facet = 'instance'").fetchone()
            total, exact = int(row[0]), True
            rows = db.execute(COUNTS_ALL, (list(FACETS), FACET_VALUES_SHOWN)).fetchall()
            facets = _by_facet(rows)
        else:
            in_first = _count(db, where.in_buckets(1))
            if in_first * BUCKETS > ESTIMATE_FROM:
                facets, total = _sampled_facets(db, where, in_first, chosen)
                exact = False
            else:
                total, facets, ordered = _one_pass(db, where, chosen, False, offset + limit)
                page, more = _page(db, ordered, offset, limit)
                hits = _hits(db, page, TextQuery(), first_rank=0)
                return SearchResults(total, hits, facets, "browse", "", more, True)
        page, more = _page(db, _ordered(db, [(where, 0)], NEWEST, []), offset, limit)
        return SearchResults(total, _hits(db, page, TextQuery(), first_rank=0), facets, "browse", "", more, exact)


def _first_match(
    db: Any,
    candidates: Iterator[Candidate],
    chosen: dict[str, list[int]],
    wide: frozenset[str],
    languages: frozenset[str],
) -> tuple[TextQuery, dict[str, bool], str, str, Filter] | None:
    """The first candidate search that matches anything, with its WHERE clause."""
    for words, options, matched, suggestion in candidates:
        where = Filter(chosen, text_query(words, languages, **options), None, wide)
        if _exists(db, where):
            return words, options, matched, suggestion, where
    return None


def _selected_ids(db: Any, filters: dict[str, tuple[str, ...]]) -> tuple[dict[str, list[int]], frozenset[str]]:
    """Per filtered facet, its values matching the filter as `resources.facets` holds them (empty: nothing can
    match); and the facets whose chosen values are held by more than INDEXED_FILTER_UP_TO resources (`Filter`)."""
    if not filters:
        return {}, frozenset()
    pairs = sorted({(facet, facet_key(facet, value)) for facet, values in filters.items() for value in values})
    rows = db.execute(
        "SELECT f.facet, f.id, f.count FROM facet_values f JOIN unnest(%s::text[], %s::text[]) w(facet, key) "
        "ON f.facet = w.facet AND f.key = w.key ORDER BY f.id",
        ([facet for facet, _ in pairs], [key for _, key in pairs]),
    ).fetchall()
    chosen: dict[str, list[int]] = {facet: [] for facet in filters}
    held: Counter[str] = Counter()
    for facet, value, count in rows:
        chosen[facet].append(encoded(int(value), facet))
        held[facet] += int(count)
    return chosen, frozenset(facet for facet, count in held.items() if count > INDEXED_FILTER_UP_TO)


def _languages(db: Any, filters: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """The language keys a query is analysed in: the selected languages, or every language held."""
    if "language" in filters:
        return frozenset(language_key(value) for value in filters["language"])
    rows = db.execute("SELECT key FROM facet_values WHERE facet = 'language' AND count > 0").fetchall()
    return frozenset(language_key(row[0]) for row in rows)


def _corrected(db: Any, text: TextQuery, languages: frozenset[str]) -> TextQuery | None:
    """`text` with each plain word that matches nothing replaced by the closest known word; None if none was."""

    def unknown(word: str) -> bool:
        return not _exists(db, Filter({}, word_query(word, languages)))

    return corrected_words(text, unknown, lambda word: suggest(db, word))


def _exists(db: Any, where: Filter) -> bool:
    """Whether anything matches, read from the indexes: for a word it cannot estimate, the planner would otherwise
    walk the whole table hoping to meet a match early (a second, for a word nothing has)."""
    with db.transaction():
        db.execute("SET LOCAL enable_seqscan = off")
        row = db.execute(f"SELECT EXISTS (SELECT 1 FROM resources WHERE {where.sql})", where.params).fetchone()
    return bool(row[0])


def _count(db: Any, where: Filter) -> int:
    row = db.execute(f"SELECT count(*) FROM resources WHERE {where.sql}", where.params).fetchone()
    return int(row[0])


def _one_pass(
    db: Any, where: Filter, chosen: dict[str, list[int]], ranked: bool, wanted: int
) -> tuple[int, Counted, Iterator[tuple[int, str]]]:
    """For up to about ESTIMATE_FROM matches, one reading of them (`ONE_PASS`): how many, the facet counts
    (exact), and the first of them in rank (or newest-first) order; the rest, if a page needs them, read again."""
    selected = [value for values in chosen.values() for value in values]
    cap = max(200, wanted * 2 + 50)
    rank, order = (RANK, "rank DESC, id") if ranked else ("0::real", NEWEST)
    params = [where.params[0]] if ranked else []
    rows = db.execute(
        ONE_PASS.format(rank=rank, where=where.sql, order=order),
        [*params, *where.params, FACET_VALUES_SHOWN, selected, cap],
    ).fetchall()
    facets = _by_facet([(facet, label, n) for part, facet, label, n in rows if part == 0])
    total = next(int(n) for part, _facet, _label, n in rows if part == 1)
    first = [(int(rid), key) for part, key, _label, rid in rows if part == 2]

    def ordered() -> Iterator[tuple[int, str]]:
        yield from first
        if len(first) == cap:
            shown = {rid for rid, _key in first}
            rest = _ordered(db, [(where, 0)], RANKED if ranked else NEWEST, params)
            yield from ((rid, key) for rid, key in rest if rid not in shown)

    return total, facets, ordered()


def _sampled_facets(db: Any, where: Filter, in_first: int, chosen: dict[str, list[int]]) -> tuple[Counted, int]:
    """Past about ESTIMATE_FROM matches: the facet counts and the total, estimated from the first sample buckets
    that hold about SAMPLE_ROWS of the matches (`in_first` of them are in the first bucket), scaled."""
    selected = [value for values in chosen.values() for value in values]
    buckets = min(BUCKETS, -(-SAMPLE_ROWS // max(1, in_first)))
    sample = where.in_buckets(buckets)
    rows = db.execute(COUNTS.format(where=sample.sql), [*sample.params, FACET_VALUES_SHOWN, selected]).fetchall()
    sampled = max(1, sum(n for facet, _label, n in rows if facet == "instance"))  # every resource has one instance
    total = round(sampled * BUCKETS / buckets)
    scale = total / sampled
    return _by_facet([(facet, label, max(1, round(n * scale))) for facet, label, n in rows]), total


def _by_facet(rows: list[tuple[str, str, int]]) -> Counted:
    """The counts per facet, most frequent first (then by label)."""
    counted: Counted = {facet: [] for facet in FACETS}
    for facet, label, count in sorted(rows, key=lambda row: (row[0], -row[2], row[1])):
        counted[facet].append(FacetCount(label, int(count)))
    return counted


def _ordered(
    db: Any, passes: list[tuple[Filter, int]], order: str, order_params: list[Any]
) -> Iterator[tuple[int, str]]:
    """(id, link_key) of the matches of each pass in turn, in `order`, without repeats; read in growing chunks. A
    pass with a cap orders only the first `cap` matches found (in the table's order)."""
    taken: set[int] = set()
    for where, cap in passes:
        source = f"(SELECT id, link_key, updated, terms FROM resources WHERE {where.sql} LIMIT {int(cap)}) c"
        statement = (
            f"SELECT id, link_key FROM {source} ORDER BY {order} LIMIT %s OFFSET %s"
            if cap
            else f"SELECT id, link_key FROM resources WHERE {where.sql} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        size, start = FIRST_CHUNK, 0
        while True:
            rows = db.execute(statement, [*where.params, *order_params, size, start]).fetchall()
            for rid, key in rows:
                if rid not in taken:
                    taken.add(rid)
                    yield int(rid), key
            if len(rows) < size:
                break
            start, size = start + size, size * 4


def _page(db: Any, ordered: Iterator[tuple[int, str]], offset: int, limit: int) -> tuple[list[list[int]], bool]:
    """The materials ranked offset .. offset + limit of `ordered` (each: its first resource, then its copies), and
    whether more follow."""
    page, keys, more = distinct_heads(ordered, offset, limit)
    same_link: list[tuple[int, str]] = []
    if keys:
        same_link = db.execute(
            "SELECT id, link_key FROM resources WHERE link_key = ANY(%s) ORDER BY id", (list(keys.values()),)
        ).fetchall()
    return attach_copies(page, keys, same_link), more


def _hits(db: Any, page: list[list[int]], text: TextQuery, *, first_rank: int) -> list[Hit]:
    wanted = [rid for group in page for rid in group]
    if not wanted:
        return []
    columns = ", ".join("r." + c.strip() for c in RESOURCE_COLUMNS.split(","))
    rows = db.execute(
        f"SELECT r.id, {columns}, r.body, c.name, c.url FROM resources r "
        "LEFT JOIN collections c ON c.actor_id = r.collection WHERE r.id = ANY(%s)",
        (wanted,),
    ).fetchall()
    return hits_from_rows(page, {row[0]: row for row in rows}, text, first_rank=first_rank)
