"""Split a Lectern Markdown file into its front matter fields and its Markdown body.

The format is the one Python-Markdown's `meta` extension (and so Pelican) reads: a first line `---`, then one
`field: value` per line, then a closing `---`. We parse it ourselves, without Markdown, because every problem must be
reported with the line it is on, and because `lectern check` must not pay for rendering Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.errors import Problem

_FIELD_LINE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9_-]*)\s*:\s?(?P<value>.*)$")
_CONTINUATION = re.compile(r"^( {4}|\t)(?P<value>.*)$")


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


def parse_front_matter(path: str, text: str) -> tuple[FrontMatter, list[Problem]]:
    """Read the fields and body of one file. Problems are returned, never raised."""
    problems: list[Problem] = []
    lines = text.splitlines()
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
        continuation = _CONTINUATION.match(raw)
        if continuation and last is not None:
            previous = fields[last]
            joined = f"{previous.value} {continuation.group('value').strip()}".strip()
            fields[last] = Field(previous.name, joined, previous.line)
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
        fields[name] = Field(name, match.group("value").strip(), number)
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
    body = "\n".join(lines[end + 1 :])
    return FrontMatter(fields, body, end + 2), problems
