"""Our own analysed terms as PostgreSQL full-text values: a resource -> a `tsvector`, a search -> a `tsquery`.

The terms are those of the SQLite store (`analysis`: words folded and stemmed in the resource's own language, the
query's words in every language held), written as tsvector and tsquery *literals* and cast, never parsed by a
text-search configuration: PostgreSQL stores, indexes (GIN), matches and ranks them; what a term is stays ours, so
both stores find the same resources (see docs/discovery-index.md, "PostgreSQL", for why not PostgreSQL's own
configurations). Every term in a literal is quoted, so nothing typed is read as tsquery syntax.

A document's lexemes carry a weight per field (ts_rank_cd weights `RANK_WEIGHTS`): title A, summary and subjects B,
tags and authors C, the text D; positions run across the fields with a gap between two, so a phrase never spans
them. Two kinds of extra lexemes no typed word can produce (a typed word is letters and digits):

    ^term   each title term again: "title matches first" for a broad word reads only the title's posting lists
    ~n      the resource's sample bucket (0 .. BUCKETS-1, from its object id): facets over very many matches are
            counted over a few buckets, an even sample, found by the same GIN index
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from lectern.discovery_index.analysis import fold, language_key, query_forms, term, words
from lectern.discovery_index.query_text import TextQuery
from lectern.discovery_index.records import ResourceRecord

FIELD_LETTERS = ("A", "B", "B", "C", "C", "D")  # title, summary, subjects, tags, authors, text (records.texts())
RANK_WEIGHTS = "{0.1, 0.25, 0.45, 1.0}"  # D, C, B, A: records.FIELD_WEIGHTS (10, 4-5, 2-3, 1) scaled to 1
BUCKETS = 256
MAX_POSITION = 16383  # PostgreSQL's largest position
MAX_POSITIONS = 256  # positions kept per lexeme (PostgreSQL keeps no more)
TITLE, BUCKET = "^", "~"


def quoted(lexeme: str) -> str:
    if "'" not in lexeme and "\\" not in lexeme:  # a word of letters and digits: nearly always
        return f"'{lexeme}'"
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def bucket_of(object_id: str) -> int:
    return zlib.crc32(object_id.encode()) % BUCKETS


def document_terms(record: ResourceRecord) -> str:
    """The tsvector literal of `record`'s searchable fields (`records.ResourceRecord.texts`)."""
    key = language_key(record.language)
    found: dict[str, list[str]] = {}
    position = 1
    for letter, text in zip(FIELD_LETTERS, record.texts(), strict=True):
        for word in words(text):
            analysed = term(word, key)
            place = f"{position}{letter}"
            for lexeme in (analysed, TITLE + analysed) if letter == "A" else (analysed,):
                places = found.get(lexeme)
                if places is None:
                    found[lexeme] = [place]
                elif len(places) < MAX_POSITIONS and place != places[-1]:  # the same place: at MAX_POSITION
                    places.append(place)
            position = min(position + 1, MAX_POSITION)
        position = min(position + 1, MAX_POSITION)
    parts = [f"{quoted(lexeme)}:{','.join(places)}" for lexeme, places in found.items()]
    parts.append(quoted(f"{BUCKET}{bucket_of(record.object_id)}"))
    return " ".join(parts)


def buckets_query(count: int) -> str:
    """A tsquery matching the resources of the first `count` sample buckets."""
    return " | ".join(quoted(f"{BUCKET}{n}") for n in range(max(1, min(count, BUCKETS))))


def _lexeme(text: str, title: bool, prefix: bool = False) -> str:
    return quoted(TITLE + text if title else text) + (":*" if prefix else "")


def _any_of(parts: Iterable[str]) -> str:
    listed = list(parts)
    return listed[0] if len(listed) == 1 else "(" + " | ".join(listed) + ")"


def _forms(word: str, languages: frozenset[str], title: bool) -> str:
    return _any_of(_lexeme(form, title) for form in query_forms(word, languages))


def _prefix(word: str, languages: frozenset[str], title: bool) -> str:
    forms = sorted({fold(word), *(term(word, language) for language in languages)})
    return _any_of(_lexeme(form, title, prefix=True) for form in forms)


def _phrase(phrase: tuple[str, ...], languages: frozenset[str], title: bool) -> str:
    spelled = {tuple(fold(word) for word in phrase)}
    spelled |= {tuple(term(word, language) for word in phrase) for language in languages}
    return _any_of("(" + " <-> ".join(_lexeme(w, title) for w in spelling) + ")" for spelling in sorted(spelled))


def text_query(
    text: TextQuery,
    languages: frozenset[str],
    *,
    any_word: bool = False,
    last_as_prefix: bool = False,
    title: bool = False,
) -> str:
    """The tsquery literal of `text` (what `TextQuery.match` is for FTS5): every part (or, `any_word`, at least one),
    minus the excluded words; `last_as_prefix`: the last plain word also as the start of a word; `title`: the
    positive parts in titles only."""
    parts = [_forms(word, languages, title) for word in text.terms]
    if last_as_prefix and text.terms:
        last = text.terms[-1]
        parts[-1] = f"({_forms(last, languages, title)} | {_lexeme(fold(last), title, prefix=True)})"
    parts += [_phrase(phrase, languages, title) for phrase in text.phrases]
    parts += [_prefix(word, languages, title) for word in text.prefixes]
    positive = (" | " if any_word else " & ").join(parts)
    if not text.excluded:
        return positive
    return f"({positive}) & !({' | '.join(_forms(word, languages, False) for word in text.excluded)})"


def word_query(word: str, languages: frozenset[str]) -> str:
    """Any stored form of one word."""
    return _forms(word, languages, False)
