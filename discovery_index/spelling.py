"""Typo tolerance: a vocabulary of the words indexed, and the closest known word to one that matches nothing.

    vocabulary          (word, count): every folded word of the titles, summaries, subjects and tags (3 to 30
                        letters), with how many resources used it when indexed (never lowered: a suggestion only
                        has to have existed, and the corrected search is run before it is offered)
    vocabulary_grams    FTS5 `trigram` over the words, filled by a trigger

A word's candidates are the words sharing most of its trigrams (FTS5 bm25 over `"abc" OR "bcd" ...`, the best
CANDIDATES) plus the words with its first two letters and a close length (a swap breaks every trigram of a short
word: `pyhton` shares none with `python`); the suggestion is the candidate at the smallest Damerau-Levenshtein
distance (at most 1 for words of up to 4 letters, 2 beyond), the most used on a tie. Bounded work per word, whatever
the size of the vocabulary.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable

from lectern.discovery_index.analysis import fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS vocabulary (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, count INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS vocabulary_grams USING fts5(word, content='vocabulary', content_rowid='id',
    tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS vocabulary_added AFTER INSERT ON vocabulary BEGIN
    INSERT INTO vocabulary_grams (rowid, word) VALUES (new.id, new.word);
END;
"""
CANDIDATES = 60
MIN_WORD, MAX_WORD = 3, 30


_SUGGESTABLE: dict[str, str] = {}  # word -> its folded form when worth suggesting, else ''
MAX_WORDS_CACHED = 200_000  # past this the dict starts again


def vocabulary_words(found: Iterable[str]) -> set[str]:
    """The distinct folded words among `found` (`analysis.words`) worth suggesting (not too short or long, letters
    only). What each word gives is kept in a dict: a resource's words are mostly words seen before."""
    known = _SUGGESTABLE
    if len(known) > MAX_WORDS_CACHED:
        known.clear()
    kept = set()
    for word in set(found):
        folded = known.get(word)
        if folded is None:
            folded = known[word] = fold(word) if MIN_WORD <= len(word) <= MAX_WORD and word.isalpha() else ""
        if folded:
            kept.add(folded)
    return kept


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit + 1 once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Vocabulary:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(SCHEMA)
        self.pending: Counter[str] = Counter()

    def add(self, found: Iterable[str]) -> None:
        """Count the words of one resource (`analysis.words` of its fields), each once."""
        self.pending.update(vocabulary_words(found))

    def flush(self) -> None:
        """Write the words counted in this transaction (called just before it commits)."""
        self.db.executemany(
            "INSERT INTO vocabulary (word, count) VALUES (?, ?) ON CONFLICT (word) DO UPDATE SET "
            "count = count + excluded.count",
            self.pending.items(),
        )
        self.pending.clear()

    def forget(self) -> None:
        self.pending.clear()

    def suggest(self, word: str) -> str | None:
        """The known word closest to `word` (folded), or None when none is close enough."""
        word = fold(word)
        if len(word) < MIN_WORD or len(word) > MAX_WORD:
            return None
        limit = 1 if len(word) <= 4 else 2
        grams = {word[i : i + 3] for i in range(len(word) - 2)}
        expression = " OR ".join('"' + gram.replace('"', '""') + '"' for gram in sorted(grams))
        rows = self.db.execute(
            "SELECT v.word, v.count FROM vocabulary v WHERE v.id IN (SELECT rowid FROM vocabulary_grams "
            "WHERE vocabulary_grams MATCH ? ORDER BY rank LIMIT ?) UNION SELECT word, count FROM ("
            "SELECT word, count FROM vocabulary WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ? "
            "ORDER BY count DESC LIMIT ?)",
            (expression, CANDIDATES, word[:2], word[:2] + "\U0010ffff", len(word) - limit, len(word) + limit,
             CANDIDATES * 4),
        ).fetchall()  # fmt: skip
        return closest_word(word, rows, limit)


def closest_word(word: str, candidates: Iterable[tuple[str, int]], limit: int) -> str | None:
    """Among (candidate, how often used), the one at the smallest Damerau-Levenshtein distance from `word` (at most
    `limit`), the most used on a tie; None when none is close enough."""
    best: tuple[int, int, str] | None = None
    for candidate, count in candidates:
        if candidate == word:
            continue
        found = distance(word, candidate, limit)
        if found <= limit and (best is None or (found, -count, candidate) < best):
            best = (found, -count, candidate)
    return best[2] if best else None
