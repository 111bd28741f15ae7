"""What ingestion remembers per distinct string (the words worth suggesting, short text fields) gives what computing
it afresh gives, the first time and every time after."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lectern.discovery_index.analysis import fold, words
from lectern.discovery_index.html_text import plain_text
from lectern.discovery_index.note_record import MAX_ITEM, MAX_TITLE, clip, text_of
from lectern.discovery_index.spelling import MAX_WORD, MIN_WORD, vocabulary_words

BOUNDED = settings(max_examples=300, deadline=timedelta(seconds=2), database=None)
texts = st.text(st.sampled_from("aäbßcCdeéfgh xyz_-0123<>&;/p#\n"), max_size=80) | st.sampled_from(
    ["Größen", "<p>Brüche &amp; Zahlen</p>", "fração frações", "Mathematik", "x" * 250, "Ærø 2026"]
)


@BOUNDED
@given(st.lists(texts, max_size=6))
def test_the_words_worth_suggesting_are_the_same_from_the_cache(fields: list[str]) -> None:
    found = [word for field in fields for word in words(field)]
    expected = {fold(word) for word in set(found) if MIN_WORD <= len(word) <= MAX_WORD and word.isalpha()}
    assert vocabulary_words(found) == expected
    assert vocabulary_words(found) == expected  # now every word is remembered


@BOUNDED
@given(texts, st.sampled_from([MAX_ITEM, MAX_TITLE]))
def test_a_short_text_field_is_the_same_from_the_cache(value: str, limit: int) -> None:
    expected = clip(plain_text(value[: limit * 20]), limit)
    assert text_of(value, limit) == expected
    assert text_of(value, limit) == expected
    assert text_of({"name": value}, limit) == expected
