"""Text -> the terms the index stores and searches: words, folded, stemmed in the resource's own language.

    words       letters and digits, lower-cased (`_` and everything else separates), as FTS5's unicode61 splits
    stem        Snowball (`snowballstemmer`) for the resource's language: en, es, pt, de, fr, it, nl and the other
                languages Snowball knows; no stemming for a language it does not know (or none given)
    fold        after stemming (Snowball wants the accents): accents removed (NFKD), ß -> ss, æ -> ae, ø -> o, ...

German: Snowball's German stemmer already reads `ae`/`oe`/`ue` as umlauts, so `Größen`, `grossen` and `groessen`
all become `gross`. Portuguese: Snowball leaves `fração` and `frações` apart (`fraçã`, `fraçõ`), so the plural
endings -ões/-ães (and their unaccented spelling) are first brought to the singular's -ão.

A document is analysed in its own language only. A query does not know its language: each word is analysed in
every language the index holds (or the languages selected), and the forms are OR-ed (`query_forms`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]

_WORD = re.compile(r"[^\W_]+")
MAX_WORD = 64
STEMMERS = {
    "en": "english", "es": "spanish", "pt": "portuguese", "de": "german", "fr": "french", "it": "italian",
    "nl": "dutch", "ca": "catalan", "da": "danish", "fi": "finnish", "sv": "swedish", "no": "norwegian",
    "nb": "norwegian", "nn": "norwegian", "ro": "romanian", "ru": "russian", "hu": "hungarian", "tr": "turkish",
    "el": "greek", "pl": "polish", "cs": "czech", "eu": "basque", "ga": "irish", "lt": "lithuanian",
    "id": "indonesian", "et": "estonian",
}  # fmt: skip
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th", "ı": "i"})
_PT_PLURAL = re.compile(r"(?:ões|ães|ãos)$")
_PT_PLAIN_PLURAL = re.compile(r"(?<=[cs])oes$")


def language_key(language: str) -> str:
    """'pt-BR' -> 'pt': the part of a language tag that chooses the stemmer."""
    return language.split("-", 1)[0].lower()


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, in order (repeats kept)."""
    return [word[:MAX_WORD] for word in _WORD.findall(text.lower())]


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Without accents: 'größen' -> 'grossen', 'fração' -> 'fracao'."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=32)
def _stemmer(language: str) -> Any:
    name = STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


@lru_cache(maxsize=262144)
def term(word: str, language: str) -> str:
    """One lower-case word as stored for a resource in `language` (a language key: 'pt', 'de', '')."""
    stemmer = _stemmer(language)
    if stemmer is None or not word.isalpha():  # numbers, and words with digits, are kept as they are
        return fold(word)
    if language == "pt":
        word = _PT_PLAIN_PLURAL.sub("ao", _PT_PLURAL.sub("ão", word))
    return fold(str(stemmer.stemWord(word))) or fold(word)


_TERMS: dict[str, dict[str, str]] = {}  # language key -> word -> term: a plain dict read per word (`analyse_words`)
MAX_TERMS_CACHED = 200_000  # words per language; past this the language's dict starts again


def analyse_words(found: list[str], key: str) -> str:
    """`words(text)` as the space-separated terms stored, for a resource in language `key` (`language_key`).

    Each distinct word is stemmed once: the terms are kept in a dict per language (a document's words are mostly
    words seen before; a dict read costs a tenth of a call to the `lru_cache` of `term`)."""
    known = _TERMS.get(key)
    if known is None or len(known) > MAX_TERMS_CACHED:
        known = _TERMS[key] = {}
    terms = list(map(known.get, found))
    if None in terms:
        for position, word in enumerate(found):
            if terms[position] is None:
                terms[position] = known[word] = term(word, key)
    return " ".join(terms)  # type: ignore[arg-type]


def query_forms(word: str, languages: frozenset[str]) -> tuple[str, ...]:
    """Every stored form `word` may have: its term in each of `languages` (keys), and folded unstemmed (resources
    with no known language)."""
    forms = {term(word, language) for language in languages}
    forms.add(fold(word))
    return tuple(sorted(forms))
