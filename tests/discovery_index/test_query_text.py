"""What a person types becomes quoted terms only: FTS5 never sees its syntax."""

from __future__ import annotations

import pytest

from lectern.discovery_index.query_text import MAX_TERMS, parse_query


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("Equivalent fractions", ("equivalent", "fractions")),
        ('"fractions', ("fractions",)),
        ("fract*", ("fract",)),
        ("NEAR(a b)", ("near", "a", "b")),
        ("fractions OR physics", ("fractions", "or", "physics")),
        ("(unbalanced", ("unbalanced",)),
        ("-", ()),
        ("title:x", ("title", "x")),
        ("equivalent_fractions", ("equivalent", "fractions")),  # `_` separates, as in unicode61
        ("Fracción fracción", ("fracción",)),
        ("", ()),
        (None, ()),
    ],
)
def test_terms_are_words_only(typed: str | None, terms: tuple[str, ...]) -> None:
    assert parse_query(typed).terms == terms


def test_every_term_is_quoted_in_the_match_expressions() -> None:
    query = parse_query('NEAR(fractions "physics')
    assert query.all_terms == '"near" "fractions" "physics"'
    assert query.any_term == '"near" OR "fractions" OR "physics"'


def test_the_number_of_terms_is_bounded() -> None:
    assert len(parse_query(" ".join(f"w{n}" for n in range(100))).terms) == MAX_TERMS
