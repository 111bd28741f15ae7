"""The rules for each kind of front matter field, written once for collections and resources alike.

A `FieldReader` reads the fields of one file; each method returns the valid value (or a safe default) and records a
`Problem` for anything wrong, so one pass reports every mistake in the file.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from lectern.generator.characters import first_forbidden
from lectern.generator.errors import Problem
from lectern.generator.front_matter import Field
from lectern.generator.licenses import License, find_license, suggest_licenses
from lectern.generator.web_address import web_address_problem

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HASHTAG = re.compile(r"^\w+$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_DATE_HELP = "write the date as 2024-09-02, 2024-09-02 14:30 or 2024-09-02T14:30:00+02:00"
# Dates outside these years are typing mistakes, and near year 1 or 9999 a time zone moves them out of what a
# computer's calendar holds.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
# Characters that end or change a URL's path (`#`, `?`, `%`) or that a URL cannot hold; the published address of a
# hosted file is its name, unescaped.
_NOT_IN_FILE_NAMES = frozenset('#?%<>"{}|\\^`')
_LINK_HELP = "write the full address, starting with https://, for example https://example.org/fractions"


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def normalise_language(tag: str) -> str:
    """`pt-br` -> `pt-BR`, `EN` -> `en` (BCP 47 case conventions)."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower())
    return "-".join(out)


class FieldReader:
    """Reads the front matter fields of one file, recording a Problem for each mistake."""

    def __init__(self, path: str, fields: dict[str, Field], problems: list[Problem]) -> None:
        self.path = path
        self.fields = fields
        self.problems = problems
        self.used: set[str] = set()

    def problem(self, line: int, name: str, what: str, valid: str) -> None:
        self.problems.append(Problem(self.path, line, name, what, valid))

    def line_of(self, name: str) -> int:
        field = self.fields.get(name)
        return field.line if field else 1

    def raw(self, name: str, required: bool, valid: str) -> Field | None:
        self.used.add(name)
        field = self.fields.get(name)
        if field is None or not field.value:
            if required:
                what = "is missing" if field is None else "is empty"
                self.problem(field.line if field else 1, name, what, valid)
            return None
        return field

    def text(self, name: str, required: bool, max_length: int, example: str) -> str:
        field = self.raw(name, required, f"add a line '{name}: {example}'")
        if field is None:
            return ""
        if len(field.value) > max_length:
            self.problem(
                field.line,
                name,
                f"is {len(field.value)} characters long",
                f"shorten it to at most {max_length} characters",
            )
        return field.value

    def url(self, name: str) -> str | None:
        field = self.raw(name, False, "")
        if field is None:
            return None
        wrong = web_address_problem(field.value)
        if wrong is not None:
            self.problem(field.line, name, f"{field.value!r} is not a web address: {wrong}", _LINK_HELP)
            return None
        return field.value

    def items(self, name: str, required: bool, example: str) -> tuple[str, ...]:
        field = self.raw(name, required, f"add a line '{name}: {example}'")
        if field is None:
            return ()
        values = tuple(split_list(field.value))
        if required and not values:
            self.nothing_listed(field, f"write at least one, e.g. '{name}: {example}'")
        return values

    def nothing_listed(self, field: Field, valid: str) -> None:
        """A required list written as only commas (`level: ,`) is as empty as no value at all."""
        self.problem(field.line, field.name, f"lists nothing ({field.value!r})", valid)

    def choices(self, name: str, allowed: Iterable[str], required: bool, single: bool) -> tuple[str, ...]:
        allowed = tuple(allowed)
        listing = ", ".join(allowed)
        valid = f"write {'one' if single else 'one or more, comma-separated,'} of: {listing}"
        field = self.raw(name, required, valid)
        if field is None:
            return ()
        values = split_list(field.value)
        if required and not values:
            self.nothing_listed(field, valid)
        if single and len(values) > 1:
            self.problem(field.line, name, f"gives {len(values)} values", f"keep one; {valid}")
        chosen = []
        for value in values:
            normal = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
            if normal in allowed:
                chosen.append(normal)
            else:
                self.problem(field.line, name, f"{value!r} is not a known {name}", valid)
        return tuple(dict.fromkeys(chosen))

    def hashtags(self, name: str) -> tuple[str, ...]:
        field = self.raw(name, False, "")
        if field is None:
            return ()
        tags = []
        for tag in split_list(field.value):
            bare = tag.removeprefix("#")
            if not _HASHTAG.match(bare) or bare.isdigit() or "_" == bare:
                self.problem(
                    field.line,
                    name,
                    f"{tag!r} cannot be a hashtag",
                    "use letters, digits and _ only, with at least one letter (e.g. fractions, year_5)",
                )
                continue
            tags.append(bare)
        return tuple(dict.fromkeys(tags))

    def language(self, name: str, required: bool) -> str:
        field = self.raw(name, required, f"add a line '{name}: en' (a language tag such as en, es, pt-BR)")
        if field is None:
            return "und"
        if not _LANGUAGE.match(field.value):
            self.problem(
                field.line,
                name,
                f"{field.value!r} is not a language tag",
                "write a tag such as en, es, fr or pt-BR",
            )
            return "und"
        return normalise_language(field.value)

    def license(self, name: str) -> License | None:
        field = self.raw(name, True, f"add a line '{name}: CC-BY-4.0' (an SPDX identifier)")
        if field is None:
            return None
        found = find_license(field.value)
        if found is None:
            close = suggest_licenses(field.value)
            hint = f"did you mean {' or '.join(close)}?" if close else "for example CC-BY-4.0 or CC-BY-SA-4.0"
            self.problem(
                field.line,
                name,
                f"{field.value!r} is not a license Lectern knows",
                f"write its SPDX identifier, {hint} (see docs/content-format.md)",
            )
        return found

    def date(self, name: str, required: bool, zone: tzinfo) -> datetime | None:
        field = self.raw(name, required, f"add a line '{name}: 2024-09-02'")
        if field is None:
            return None
        written = read_date(field.value)
        if written is None:
            self.problem(field.line, name, f"{field.value!r} is not a date", _DATE_HELP)
            return None
        if not EARLIEST_YEAR <= written.year <= LATEST_YEAR:
            self.problem(
                field.line,
                name,
                f"the year {written.year} is outside {EARLIEST_YEAR} to {LATEST_YEAR}",
                f"check the year; {_DATE_HELP}",
            )
            return None
        return parse_date(field.value, zone)

    def local_file(self, name: str, value: str, line: int, folder: Path, suffixes: tuple[str, ...] = ()) -> str | None:
        """A file to publish: a regular file whose real path (after following links) is inside `folder`."""
        if first_forbidden(value) is not None:
            return None  # the front matter parser reported the invisible character
        odd = next((char for char in value if char.isspace() or char in _NOT_IN_FILE_NAMES), None)
        if odd is not None:
            what = "a space" if odd.isspace() else repr(odd)
            fixed = "-".join("".join(" " if c in _NOT_IN_FILE_NAMES else c for c in value).split())
            self.problem(
                line,
                name,
                f"the file name {value!r} has {what}, which cannot be part of its web address",
                f"rename the file with letters, digits, '-', '_' and '.' only, e.g. {fixed!r}, and write the new "
                "name here",
            )
            return None
        relative = Path(value)
        if relative.is_absolute() or ".." in relative.parts:
            self.problem(
                line,
                name,
                f"{value!r} points outside the collection's folder",
                "name a file inside the collection's folder, e.g. worksheet.pdf",
            )
            return None
        if suffixes and relative.suffix.lower() not in suffixes:
            self.problem(
                line,
                name,
                f"{value!r} is not a {'/'.join(s[1:].upper() for s in suffixes)} file",
                f"use a file ending in {', '.join(suffixes)}",
            )
            return None
        state = file_state(folder / relative, folder)
        if state != "file":
            what, valid = _FILE_STATES[state]
            self.problem(line, name, what.format(value=value, folder=folder.name), valid.format(folder=folder.name))
            return None
        return relative.as_posix()

    def unknown_fields(self, known: Iterable[str]) -> None:
        known = sorted(known)
        for name, field in self.fields.items():
            if name not in known:
                self.problem(
                    field.line,
                    name,
                    "is not a field Lectern knows",
                    f"use one of: {', '.join(known)}",
                )


_FILE_STATES = {
    "outside": (
        "{value!r} is a link to a file outside the collection's folder, which is never published",
        "copy the file itself (not a link to it) into {folder}/",
    ),
    "missing": (
        "there is no file {value!r} in {folder}/",
        "check the spelling, or add the file to the collection's folder",
    ),
    "not a file": ("{value!r} in {folder}/ is not a file", "name a file (not a folder)"),
    "unreadable": (
        "{value!r} cannot be opened (a link to itself, or a name too long)",
        "name a file in {folder}/ directly",
    ),
}


def file_state(path: Path, folder: Path) -> str:
    """`file` for a regular file whose real path (links followed) is inside `folder`, else what it is instead:
    `outside`, `missing`, `not a file` or `unreadable`."""
    try:
        real = path.resolve()
        if not real.is_relative_to(folder.resolve()):
            return "outside"
        mode = real.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except (OSError, RuntimeError, ValueError):  # a loop of links, a name too long, a NUL
        return "unreadable"
    return "file" if stat.S_ISREG(mode) else "not a file"


def read_date(value: str) -> datetime | None:
    """The date as written (naive, or with its offset), in one of the formats the content format allows."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    return parsed


def parse_date(value: str, zone: tzinfo) -> datetime | None:
    """Parse the date formats the content format allows; naive times are in `zone`. Returns UTC, or None for a date
    that is not one or is outside EARLIEST_YEAR to LATEST_YEAR."""
    parsed = read_date(value)
    if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def is_in_future(moment: datetime, now: datetime) -> bool:
    return moment > now + timedelta(days=1)
