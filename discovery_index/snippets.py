"""A result's snippet: a window of its summary (or title, or text) with the words that matched marked.

Marking compares analysed terms, not spellings: for a Portuguese resource `frações` is marked when `fração` was
searched, because both are the term `fraca` in Portuguese (`analysis.term`). The words are marked between
storage.MARK_START and MARK_END; the page escapes the text and turns the marks into <mark>.
"""

from __future__ import annotations

import re

from lectern.discovery_index.analysis import fold, language_key, term
from lectern.discovery_index.records import ResourceRecord
from lectern.discovery_index.storage import MARK_END, MARK_START

WINDOW = 30  # words shown around the first match
_TOKEN = re.compile(r"[^\W_]+|[\W_]+")


def snippet(record: ResourceRecord, words: tuple[str, ...], prefixes: tuple[str, ...]) -> str:
    """The marked snippet of `record` for the searched `words` (and word starts `prefixes`)."""
    language = language_key(record.language)
    wanted = {term(word, language) for word in words} | {fold(word) for word in words}
    starts = tuple(fold(p) for p in prefixes)
    for text in (record.summary, record.body, record.title):
        if not text:
            continue
        pieces = _TOKEN.findall(text)
        hits = [
            index
            for index, piece in enumerate(pieces)
            if piece[0].isalnum() and ((lower := piece.lower()) and term(lower, language) in wanted
                                        or fold(lower) in wanted or (starts and fold(lower).startswith(starts)))
        ]  # fmt: skip
        if not hits:
            continue
        first = max(0, hits[0] - WINDOW)
        shown = pieces[first : hits[0] + 2 * WINDOW]
        marked = set(hits)
        body = "".join(f"{MARK_START}{p}{MARK_END}" if first + i in marked else p for i, p in enumerate(shown))
        return ("…" if first else "") + body + ("…" if first + len(shown) < len(pieces) else "")
    return record.summary
