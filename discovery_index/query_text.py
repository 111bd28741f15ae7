"""What a person typed in the search box -> an FTS5 MATCH expression that can only mean "these words".

FTS5 has a query language (`"phrases"`, `prefix*`, `NEAR(a b)`, `AND`/`OR`/`NOT`, `col:`, `^`, parentheses); fed raw,
`fractions (` or a lone `-` is a syntax error and `title:x` searches one column. So nothing typed is ever passed as
syntax: the text is split into terms the way the `unicode61` tokenizer splits it (letters and digits; everything
else, `_` included, separates), and each term becomes a quoted string, `"term"`, which FTS5 reads as a literal
token. `OR`, `NEAR` and `*` typed by a person are words or nothing, as in any search box.

`all_terms` joins the terms with spaces (FTS5's implicit AND); `any_term` with OR, for the fallback when no
resource has every word. At most MAX_TERMS terms of MAX_TERM_LENGTH characters are kept, so the cost of a query is
bounded whatever is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 500
MAX_TERMS = 12
MAX_TERM_LENGTH = 64

_TERM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TextQuery:
    terms: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def all_terms(self) -> str:
        return " ".join(_quoted(term) for term in self.terms)

    @property
    def any_term(self) -> str:
        return " OR ".join(_quoted(term) for term in self.terms)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def parse_query(text: str | None) -> TextQuery:
    """The terms of `text`, lower-cased, in order, without repeats."""
    if not text:
        return TextQuery(())
    terms = [term.lower()[:MAX_TERM_LENGTH] for term in _TERM.findall(text[:MAX_QUERY_LENGTH])]
    return TextQuery(tuple(dict.fromkeys(terms))[:MAX_TERMS])
