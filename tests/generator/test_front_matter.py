from __future__ import annotations

from generator.front_matter import parse_front_matter


def test_fields_carry_their_line_numbers_and_the_body_follows() -> None:
    text = "---\ntitle: Fractions\nsummary: Halves and quarters\n---\nNotes *here*.\n"
    front, problems = parse_front_matter("f.md", text)
    assert problems == []
    assert front.fields["title"].value == "Fractions"
    assert front.fields["summary"].line == 3
    assert front.body == "Notes *here*."
    assert front.body_line == 5


def test_field_names_are_case_insensitive_and_indented_lines_continue_a_value() -> None:
    front, problems = parse_front_matter("f.md", "---\nTitle: A long\n    title\n---\n")
    assert problems == []
    assert front.fields["title"].value == "A long title"


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
