"""Content problems, as values: every one names the file, the line, the field, what is wrong and what would be valid.

    ContentError            raised by `lectern build` when the content has problems; carries them all
    Problem                 one problem (a value, not an exception): `path:line: field: what; valid`
    ThemeError              the theme asks for something the build cannot give (an asset that does not exist)

Validation collects every Problem before it stops, so an educator sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from lectern.errors import LecternError


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    what: str
    valid: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.what}; {self.valid}"


class ContentError(Exception):
    """The content cannot be built; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the content")


class ThemeError(LecternError):
    """The theme is broken: the message names the template's request and what exists."""
