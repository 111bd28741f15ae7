"""What a person types becomes words, phrases, prefixes and exclusions: FTS5 never sees its syntax."""

from __future__ import annotations

import sqlite3

import pytest

from lectern.discovery_index.query_text import MAX_TERMS, TextQuery, parse_query

EN = frozenset({"en"})


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("Equivalent fractions", ("equivalent", "fractions")),
        ('"fractions', ("fractions",)),
        ("NEAR(a b)", ("near", "a", "b")),
        ("fractions OR physics", ("fractions", "or", "physics")),
        ("(unbalanced", ("unbalanced",)),
        ("-", ()),
        ("*", ()),
        ("title:x", ("title", "x")),
        ("equivalent_fractions", ("equivalent", "fractions")),  # `_` separates, as in unicode61
        ("Fracción fracción", ("fracción",)),
        ("", ()),
        (None, ()),
    ],
)
def test_terms_are_words_only(typed: str | None, terms: tuple[str, ...]) -> None:
    assert parse_query(typed).terms == terms


def test_quotes_minus_and_star_are_phrases_exclusions_and_prefixes() -> None:
    query = parse_query('"Equivalent fractions" pie -decimals frac* -"number line"')
    assert query.phrases == (("equivalent", "fractions"),)
    assert query.terms == ("pie",)
    assert query.excluded == ("decimals", "number", "line")
    assert query.prefixes == ("frac",)


def test_only_excluded_words_is_an_empty_search() -> None:
    assert parse_query("-decimals").is_empty


def test_every_term_in_the_expressions_is_quoted() -> None:
    expression = parse_query('NEAR(fractions "physics').match(EN)
    assert expression == '"near" AND ("fraction" OR "fractions") AND ("physic" OR "physics")'
    assert parse_query("a b").match(EN, any_word=True) == '"a" OR "b"'


@pytest.mark.parametrize(
    "typed",
    ["fractions (", "NEAR(a b)", 'a OR "b', "-", '"', "title:x", "^a", 'x" NOT "y', "a -b -c*", '"-x*"', "* -* a*"],
)
def test_the_expressions_are_valid_fts5(typed: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    query = parse_query(typed)
    if not query.is_empty:
        for expression in (query.match(EN), query.match(EN, any_word=True), query.match(EN, last_as_prefix=True)):
            db.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()
            db.execute("SELECT * FROM t WHERE t MATCH ?", (f"{{title}} : ({expression})",)).fetchall()


def test_the_number_of_terms_is_bounded() -> None:
    assert len(parse_query(" ".join(f"w{n}" for n in range(100))).terms) == MAX_TERMS
    assert sum(map(len, parse_query(" ".join(f'"a{n} b{n}"' for n in range(100))).phrases)) <= MAX_TERMS


def test_an_empty_query_has_no_parts() -> None:
    assert parse_query("  ") == TextQuery()
