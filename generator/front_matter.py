"""Split a Lectern Markdown file into its front matter fields and its Markdown body.

The format is the one Python-Markdown's `meta` extension (and so Pelican) reads: a first line `---`, then one
`field: value` per line, then a closing `---`. We parse it ourselves, without Markdown, because every problem must be
reported with the line it is on, and because `lectern check` must not pay for rendering Markdown.

Stricter than `meta`, so nothing is published by surprise: a field is one line (an indented line is a mistake, not a
continuation of the field above), and no field or line of text may hold an invisible control character
(`generator.characters`). Lines end at a line feed only, so line numbers are the ones an editor shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lectern.generator.characters import describe, first_forbidden
from lectern.generator.errors import Problem

_FIELD_LINE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]?(?P<value>.*)$")


@dataclass(frozen=True)
class Field:
    """One `name: value` line of the front matter; `line` counts from 1."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class FrontMatter:
    fields: dict[str, Field]
    body: str
    body_line: int


def split_lines(text: str) -> list[str]:
    """The lines of `text` as an editor numbers them: `str.splitlines` would also break at form feeds, U+2028 and
    other separators, shifting every line number after them (and hiding the character from the checks)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_front_matter(path: str, text: str) -> tuple[FrontMatter, list[Problem]]:
    """Read the fields and body of one file. Problems are returned, never raised."""
    problems: list[Problem] = []
    lines = split_lines(text)
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(
                path,
                1,
                "front matter",
                "the file does not start with a line '---'",
                "start the file with '---', then one 'field: value' per line, then '---'",
            )
        )
        return FrontMatter({}, text, 1), problems

    fields: dict[str, Field] = {}
    last: str | None = None
    end: int | None = None
    for index in range(1, len(lines)):
        raw = lines[index]
        number = index + 1
        if raw.strip() in ("---", "..."):
            end = index
            break
        if not raw.strip():
            last = None
            continue
        if raw[0] in " \t":
            problems.append(_indented(path, number, raw, last))
            continue
        match = _FIELD_LINE.match(raw)
        if not match:
            problems.append(
                Problem(
                    path,
                    number,
                    "front matter",
                    f"cannot read the line {raw.strip()!r}",
                    "write 'field: value', for example 'title: Fractions on a number line'",
                )
            )
            last = None
            continue
        name = match.group("name").lower()
        if name in fields:
            problems.append(
                Problem(
                    path,
                    number,
                    name,
                    f"the field is given twice (first on line {fields[name].line})",
                    "keep one of the two lines",
                )
            )
            last = None
            continue
        value = match.group("value").strip()
        bad = first_forbidden(value)
        if bad is not None:
            problems.append(_invisible(path, number, name, bad, "the field's value"))
        fields[name] = Field(name, value, number)
        last = name
    if end is None:
        problems.append(
            Problem(
                path,
                len(lines),
                "front matter",
                "the front matter is never closed",
                "add a line '---' after the last field",
            )
        )
        return FrontMatter(fields, "", len(lines) + 1), problems
    for index in range(end + 1, len(lines)):
        bad = first_forbidden(lines[index], allow_tab=True)
        if bad is not None:
            problems.append(_invisible(path, index + 1, "text", bad, "the text"))
    body = "\n".join(lines[end + 1 :])
    return FrontMatter(fields, body, end + 2), problems


def _indented(path: str, number: int, raw: str, last: str | None) -> Problem:
    """An indented line: Python-Markdown would glue it to the field above (a 'tags: ...' line would end up inside
    the summary); Lectern asks for one field per line instead."""
    start = "a tab" if raw[0] == "\t" else "spaces"
    above = f"the field '{last}' above" if last else "the field above"
    return Problem(
        path,
        number,
        "front matter",
        f"the line {raw.strip()!r} starts with {start}, so it would be read as part of {above}",
        "remove the spaces at the start of the line: every field is one line 'field: value' (write a long value on "
        "a single line)",
    )


def _invisible(path: str, number: int, name: str, char: str, where: str) -> Problem:
    return Problem(
        path,
        number,
        name,
        f"{where} contains the invisible character {describe(char)}",
        "delete it (retype the line if you cannot see it)" + ("; use a space instead of a tab" if char == "\t" else ""),
    )
