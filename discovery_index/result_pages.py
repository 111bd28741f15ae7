"""The parts of a search that do not depend on the database, for every store (`sqlite_search`,
`postgres_search`):

    candidate_searches   what is tried in turn: every word; every word with the last as a prefix; the corrected
                         words ("did you mean", `corrected_words`); any word
    distinct_heads       a ranked stream of (resource, link key) -> the materials of one page: a resource whose link
                         was seen higher up is a copy of that result, not a result of its own
    attach_copies        each head with its copies (other resources with its link key), at most MAX_COPIES
    hits_from_rows       the page's rows -> `Hit`s with their snippets and "also in"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from lectern.discovery_index.query_text import TextQuery
from lectern.discovery_index.resource_rows import record_from_row
from lectern.discovery_index.snippets import snippet
from lectern.discovery_index.storage import MAX_OFFSET, Copy, Hit

MAX_COPIES = 10  # copies of one material listed under it ("also in")

Candidate = tuple[TextQuery, dict[str, bool], str, str]  # the words, text_query options, how matched, suggestion


def candidate_searches(text: TextQuery, corrected: Callable[[], TextQuery | None]) -> Iterator[Candidate]:
    """The searches tried in turn until one matches; `corrected` is called only when the first two match nothing."""
    yield text, {}, "all", ""
    if text.terms and len(text.terms[-1]) >= 3:
        yield text, {"last_as_prefix": True}, "all", ""
    fixed = corrected()
    if fixed is not None:
        yield fixed, {}, "all", " ".join(fixed.shown_words)
    if len(text.terms) + len(text.phrases) + len(text.prefixes) > 1:
        yield text, {"any_word": True}, "any", ""


def corrected_words(
    text: TextQuery, unknown: Callable[[str], bool], suggest: Callable[[str], str | None]
) -> TextQuery | None:
    """`text` with each plain word that matches nothing (`unknown`) replaced by the closest known word (`suggest`);
    None when none was."""
    fixed, changed = [], False
    for word in text.terms:
        if unknown(word):
            suggestion = suggest(word)
            if suggestion:
                fixed.append(suggestion)
                changed = True
                continue
        fixed.append(word)
    if not changed:
        return None
    return TextQuery(tuple(dict.fromkeys(fixed)), text.phrases, text.prefixes, text.excluded)


def distinct_heads(
    ordered: Iterable[tuple[int, str]], offset: int, limit: int
) -> tuple[list[int], dict[int, str], bool]:
    """The first resource of each material ranked offset .. offset + limit of `ordered`, their link keys, and
    whether more follow (never past MAX_OFFSET)."""
    seen: set[str] = set()
    heads: list[int] = []
    keys: dict[int, str] = {}
    for rid, key in ordered:
        if key and key in seen:
            continue
        if key:
            seen.add(key)
            keys[rid] = key
        heads.append(rid)
        if len(heads) > offset + limit:
            break
    page = heads[offset : offset + limit]
    more = len(heads) > offset + limit and offset + limit <= MAX_OFFSET
    return page, {rid: keys[rid] for rid in page if rid in keys}, more


def attach_copies(page: list[int], keys: Mapping[int, str], same_link: Iterable[tuple[int, str]]) -> list[list[int]]:
    """Each head of `page` followed by its copies: the resources of `same_link` ((id, link key), in id order) that
    share its link key."""
    wanted = {key: rid for rid, key in keys.items()}
    copies: dict[int, list[int]] = {rid: [rid] for rid in page}
    for rid, key in same_link:
        head = wanted.get(key)
        if head is not None and rid != head and len(copies[head]) <= MAX_COPIES:
            copies[head].append(int(rid))
    return [copies[rid] for rid in page]


def hits_from_rows(
    page: list[list[int]], by_id: Mapping[int, Sequence[Any]], text: TextQuery, *, first_rank: int
) -> list[Hit]:
    """`page` (each material: its head, then its copies) as hits; a row is (id, the 17 `RESOURCE_COLUMNS`, body,
    collection name, collection url). `first_rank` 0: browsing (no ranks, the summary as snippet)."""
    hits = []
    for position, (head, *others) in enumerate(page):
        row = by_id.get(head)
        if row is None:
            continue
        record = record_from_row(row[1:18], row[18])
        marked = snippet(record, text.shown_words, text.prefixes) if not text.is_empty else record.summary
        copies = tuple(
            Copy(other[4], other[5], other[3], other[19] or "", other[20] or "")
            for rid in others
            if (other := by_id.get(rid)) is not None
        )
        rank = first_rank + position if first_rank else 0
        hits.append(Hit(record, marked, rank, row[19] or "", row[20] or "", copies))
    return hits
