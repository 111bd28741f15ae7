"""The pictures a Markdown text shows, so `lectern check` can refuse one the site would show broken.

A curator's notes are published at `/<collection>/<slug>/` and a collection's description at `/<collection>/`, while
the files a collection hosts are published at `/<collection>/files/<name>`. A picture in the text is shown only when
its address is an `https://` address or a relative path that lands on one of those hosted files
(`![](../files/diagram.png)` in a resource's notes). Found: `![alt](src)`, `![alt][label]` and `![label]` with their
`[label]: src` definition, and `<img src="...">`; code blocks and `code spans` are skipped, as Markdown shows them
as text.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lectern.generator.errors import Problem
from lectern.generator.web_address import web_address_problem

_INLINE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*(?:<(?P<angled>[^>]*)>|(?P<bare>[^)\s]*))")
_REFERENCE = re.compile(r"!\[(?P<alt>(?:[^\]\\]|\\.)*)\](?:\[(?P<label>[^\]]*)\])?(?![(:])")
_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*<?(?P<src>[^\s>]+)>?")
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<uq>[^\s>]+))", re.I)
_CODE_SPAN = re.compile(r"(`+).*?\1")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Picture:
    line: int
    src: str


def pictures(text: str, first_line: int) -> list[Picture]:
    """Every picture `text` shows, with its line (`first_line` is the line of the text's first line in the file)."""
    lines = _prose_lines(text.split("\n"))
    definitions: dict[str, str] = {}
    for _number, line in lines:
        match = _DEFINITION.match(line)
        if match:
            definitions.setdefault(_label(match.group("label")), match.group("src"))
    found: list[Picture] = []
    for number, line in lines:
        line = _CODE_SPAN.sub("", line)
        for match in _INLINE.finditer(line):
            found.append(Picture(first_line + number, match.group("angled") or match.group("bare") or ""))
        for match in _REFERENCE.finditer(line):
            label = _label(match.group("label") or match.group("alt"))
            if label in definitions:
                found.append(Picture(first_line + number, definitions[label]))
        for match in _HTML_IMG.finditer(line):
            found.append(Picture(first_line + number, match.group("dq") or match.group("sq") or match.group("uq")))
    return found


def unpublished(found: Iterable[Picture], page: str, published: Iterable[str]) -> list[Picture]:
    """The pictures among `found` that a page at path `page` (`/fractions/number-line/`) would show broken, given the
    paths of the hosted files (`/fractions/files/strips.svg`)."""
    hosted = set(published)
    broken = []
    for picture in found:
        parts = urlsplit(picture.src)
        if parts.scheme or picture.src.startswith("//"):
            if parts.scheme.lower() != "https" or web_address_problem(picture.src) is not None:
                broken.append(picture)
            continue
        target = posixpath.normpath(posixpath.join(page, unquote(parts.path)))
        if not parts.path or target not in hosted:
            broken.append(picture)
    return broken


def _label(text: str) -> str:
    return " ".join(text.lower().split())


def _prose_lines(lines: list[str]) -> list[tuple[int, str]]:
    """The lines that are not inside a fenced or indented code block, with their index."""
    prose: list[tuple[int, str]] = []
    fence: str | None = None
    previous_blank = True
    in_indented = False
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        indented = line.startswith(("    ", "\t")) and bool(line.strip())
        in_indented = indented and (previous_blank or in_indented)
        previous_blank = not line.strip()
        if not in_indented:
            prose.append((index, line))
    return prose


def picture_problems(rel: str, found: list[Picture], page: str, hosted: list[str], folder: str) -> list[Problem]:
    """A picture in the text that the page at `page` would show broken: not hosted with the site, not https.
    `folder` is the hosted files' folder as the text reaches it (`../files` from a resource's page)."""
    problems = []
    for picture in unpublished(found, page, hosted):
        name = posixpath.basename(picture.src.split("?")[0].split("#")[0]) or "picture.png"
        problems.append(
            Problem(
                rel,
                picture.line,
                "text",
                f"the picture {picture.src!r} is not published with the site, so the page would show it broken",
                f"use its https:// address, or put {name} in the collection's folder, list it under 'files:' "
                f"and write it as {folder}/{name}",
            )
        )
    return problems
