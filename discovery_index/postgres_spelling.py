"""Typo tolerance on PostgreSQL: the closest known word to one that matches nothing ("did you mean").

The vocabulary (`vocabulary`: every folded word of the titles, summaries, subjects and tags, written with each
resource by `postgres_writes`) has a pg_trgm GIN index. A word's candidates are the words most similar by trigrams
(`word % typed`, ordered by `similarity`, the best CANDIDATES) plus the words with its first two letters and a close
length (a swap breaks every trigram of a short word: `pyhton` shares few with `python`); the suggestion is the
candidate at the smallest Damerau-Levenshtein distance (`spelling.closest_word`, as on SQLite: at most 1 for
words of up to 4 letters, 2 beyond), the most used on a tie.
"""

from __future__ import annotations

from typing import Any

from lectern.discovery_index.analysis import fold
from lectern.discovery_index.spelling import CANDIDATES, MAX_WORD, MIN_WORD, closest_word

SUGGEST = """
(SELECT word, count FROM vocabulary WHERE word %% %(word)s ORDER BY similarity(word, %(word)s) DESC LIMIT %(n)s)
UNION
(SELECT word, count FROM vocabulary WHERE word LIKE %(start)s AND length(word) BETWEEN %(shortest)s AND %(longest)s
 ORDER BY count DESC LIMIT %(more)s)
"""


def suggest(db: Any, typed: str) -> str | None:
    """The known word closest to `typed` (folded), or None when none is close enough."""
    word = fold(typed)
    if len(word) < MIN_WORD or len(word) > MAX_WORD:
        return None
    limit = 1 if len(word) <= 4 else 2
    start = word[:2].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = db.execute(
        SUGGEST,
        {"word": word, "n": CANDIDATES, "start": start, "shortest": len(word) - limit, "longest": len(word) + limit,
         "more": CANDIDATES * 4},
    ).fetchall()  # fmt: skip
    return closest_word(word, rows, limit)
