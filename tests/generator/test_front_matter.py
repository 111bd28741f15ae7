from __future__ import annotations

import pytest

from lectern.generator.front_matter import parse_front_matter


def test_fields_carry_their_line_numbers_and_the_body_follows() -> None:
    text = "---\ntitle: Fractions\nsummary: Halves and quarters\n---\nNotes *here*.\n"
    front, problems = parse_front_matter("f.md", text)
    assert problems == []
    assert front.fields["title"].value == "Fractions"
    assert front.fields["summary"].line == 3
    assert front.body == "Notes *here*."
    assert front.body_line == 5


def test_field_names_are_case_insensitive() -> None:
    front, problems = parse_front_matter("f.md", "---\nTitle: A long title\n---\n")
    assert problems == []
    assert front.fields["title"].value == "A long title"


@pytest.mark.parametrize("indent", ["    ", "  ", "\t"])
def test_an_indented_line_is_refused_not_glued_to_the_field_above(indent: str) -> None:
    text = f"---\nsummary: Halves and quarters.\n{indent}tags: fractions\n---\n"
    front, problems = parse_front_matter("f.md", text)
    assert front.fields["summary"].value == "Halves and quarters."
    assert [(p.line, p.field) for p in problems] == [(3, "front matter")]
    assert "would be read as part of the field 'summary' above" in problems[0].what
    assert "remove the spaces at the start of the line" in problems[0].valid


@pytest.mark.parametrize(
    ("char", "named"),
    [
        ("\x00", "U+0000 (NULL)"),
        ("\x1b", "U+001B (ESCAPE)"),
        ("\x7f", "U+007F (DELETE)"),
        ("\x9b", "U+009B"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\ufeff", "U+FEFF (BYTE ORDER MARK)"),
        ("\u2028", "U+2028 (LINE SEPARATOR)"),
        ("\x0c", "U+000C (FORM FEED)"),
        ("\t", "U+0009 (TAB)"),
    ],
)
def test_an_invisible_character_in_a_field_is_named_by_its_code_point(char: str, named: str) -> None:
    text = f"---\ntitle: Frac{char}tions\nsummary: ok\n---\nNotes.\n"
    _front, problems = parse_front_matter("f.md", text)
    assert [(p.line, p.field) for p in problems] == [(2, "title")]
    assert named in problems[0].what
    assert problems[0].valid.startswith("delete it")


def test_an_invisible_character_in_the_text_is_refused_but_a_tab_is_allowed() -> None:
    text = "---\ntitle: Fractions\n---\nFirst line.\n\tindented code\nA \x1b[31mred\x1b[0m word.\n"
    _front, problems = parse_front_matter("f.md", text)
    assert [(p.line, p.field) for p in problems] == [(6, "text")]
    assert "U+001B (ESCAPE)" in problems[0].what


def test_a_byte_order_mark_only_at_the_very_start_of_the_file_is_allowed() -> None:
    front, problems = parse_front_matter("f.md", "\ufeff---\ntitle: Fractions\n---\n")
    assert problems == []
    assert front.fields["title"].value == "Fractions"


def test_line_numbers_count_line_feeds_only() -> None:
    """`str.splitlines` would also break at U+2028 or a form feed, and shift every line number below it."""
    text = "---\ntitle: a\u2028b\nsummary: s\n---\n"
    front, problems = parse_front_matter("f.md", text)
    assert front.fields["summary"].line == 3
    assert [(p.line, p.field) for p in problems] == [(2, "title")]


def test_a_file_without_front_matter_is_one_problem_on_line_1() -> None:
    _front, problems = parse_front_matter("f.md", "title: x\n")
    assert [(p.line, p.field) for p in problems] == [(1, "front matter")]


def test_an_unclosed_front_matter_and_an_unreadable_line_are_both_reported() -> None:
    _front, problems = parse_front_matter("f.md", "---\ntitle: x\nthis is not a field\n")
    assert [(p.line, p.field) for p in problems] == [(3, "front matter"), (3, "front matter")]
    assert "cannot read the line" in problems[0].what
    assert "never closed" in problems[1].what


def test_a_field_given_twice_names_the_first_line() -> None:
    _front, problems = parse_front_matter("f.md", "---\ntitle: a\ntitle: b\n---\n")
    assert str(problems[0]) == "f.md:3: title: the field is given twice (first on line 2); keep one of the two lines"
