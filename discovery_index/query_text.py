"""What a person typed in the search box -> the parts of a search, and FTS5 MATCH expressions that mean only that.

The little syntax people expect from a search box is understood, and nothing else:

    fractions pie          both words (any form: each word is analysed in every language held, see `analysis`)
    "equivalent fractions" the words in this order (a phrase)
    -decimals              no resource with this word (needs at least one word that is not excluded)
    frac*                  words starting with 'frac'

FTS5's own query language (`NEAR(a b)`, `AND`/`OR`/`NOT`, `col:`, `^`, parentheses) is never passed through: the
text is split into words the way `analysis.words` splits (letters and digits), and every term in the expressions
this module writes is a quoted string, which FTS5 reads as a literal token. `OR` typed by a person is a word, an
unbalanced quote is ignored, a lone `-` or `*` is nothing. At most MAX_TERMS words of MAX_TERM_LENGTH characters
are kept, so the cost of a query is bounded whatever is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lectern.discovery_index.analysis import fold, query_forms, term, words

MAX_QUERY_LENGTH = 500
MAX_TERMS = 12
MAX_TERM_LENGTH = 64

_PART = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')


@dataclass(frozen=True)
class TextQuery:
    """`terms`: plain words; `phrases`: word sequences; `prefixes`: words typed with `*`; `excluded`: words typed
    with `-` (lower-case, unanalysed)."""

    terms: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.prefixes)

    @property
    def shown_words(self) -> tuple[str, ...]:
        """Every positive word, for highlighting."""
        return (*self.terms, *(w for phrase in self.phrases for w in phrase), *self.prefixes)

    def match(self, languages: frozenset[str], *, any_word: bool = False, last_as_prefix: bool = False) -> str:
        """The FTS5 expression: every part (or, `any_word`, at least one), minus the excluded words. With
        `last_as_prefix` the last plain word also matches as the start of a word (a word still being typed)."""
        parts = [_forms(word, languages) for word in self.terms]
        if last_as_prefix and self.terms:
            last = self.terms[-1]
            parts[-1] = f"({_forms(last, languages)} OR {_quoted(fold(last))} *)"
        parts += [_phrase(phrase, languages) for phrase in self.phrases]
        parts += [_prefix(word, languages) for word in self.prefixes]
        positive = (" OR " if any_word else " AND ").join(parts)
        if not self.excluded:
            return positive
        return f"({positive}) NOT ({' OR '.join(_forms(word, languages) for word in self.excluded)})"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _forms(word: str, languages: frozenset[str]) -> str:
    forms = [_quoted(form) for form in query_forms(word, languages)]
    return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"


def _prefix(word: str, languages: frozenset[str]) -> str:
    forms = sorted({fold(word), *(term(word, language) for language in languages)})
    return "(" + " OR ".join(f"{_quoted(form)} *" for form in forms) + ")"


def _phrase(phrase: tuple[str, ...], languages: frozenset[str]) -> str:
    spelled = {" ".join(fold(word) for word in phrase)}
    spelled |= {" ".join(term(word, language) for word in phrase) for language in languages}
    return "(" + " OR ".join(_quoted(text) for text in sorted(spelled)) + ")"


def parse_query(text: str | None) -> TextQuery:
    """The parts of `text`; words lower-cased, in order, without repeats, at most MAX_TERMS in all."""
    if not text:
        return TextQuery()
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    prefixes: list[str] = []
    excluded: list[str] = []
    budget = MAX_TERMS
    for minus_quoted, quoted, minus, bare in _PART.findall(text[:MAX_QUERY_LENGTH]):
        if quoted or minus_quoted:
            found = [w[:MAX_TERM_LENGTH] for w in words(quoted)][:budget]
            if minus_quoted:
                excluded += found
            elif len(found) > 1:
                phrases.append(tuple(found))
            else:
                terms += found
            budget -= len(found)
        else:
            found = [w[:MAX_TERM_LENGTH] for w in words(bare)][:budget]
            budget -= len(found)
            if minus and found:
                excluded += found
            elif bare.endswith("*") and found:
                terms += found[:-1]
                prefixes.append(found[-1])
            else:
                terms += found
        if budget <= 0:
            break
    unique = tuple(dict.fromkeys(terms))
    return TextQuery(
        unique,
        tuple(dict.fromkeys(phrases)),
        tuple(p for p in dict.fromkeys(prefixes) if p not in unique),
        tuple(e for e in dict.fromkeys(excluded) if e not in unique),
    )
