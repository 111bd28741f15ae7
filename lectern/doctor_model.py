"""What `lectern doctor` works with: a `Problem` (one line for a person) and a `SiteView` (what the rules may ask of
the site: its address, its actors, whether a file exists), so that the rules stay pure and the same rules run on a
built folder and on a live site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlsplit

JSON = dict[str, Any]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing a Fediverse server would reject, drop or truncate: `path: rule: what is wrong; how to fix it`.

    A warning is something a server only truncates or ignores: it is printed but does not fail the check.
    """

    path: str
    rule: str
    wrong: str
    fix: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.path}: {prefix}{self.rule}: {self.wrong}; {self.fix}"


@dataclass(frozen=True)
class Document:
    """One ActivityPub document: `path` names it in messages (its file, or its URL), `url` is where it is served,
    `size` its length in bytes as stored or served."""

    path: str
    url: str
    json: JSON
    size: int


@dataclass(frozen=True)
class SiteView:
    """The site as the rules see it.

    `site_url` is the address every id must start with; `actors` maps an actor id to its document (for `audience`,
    `attributedTo`); `exists(url)` tells whether one of the site's own URLs answers (a file in the output folder, or
    a 200 from the live site).
    """

    site_url: str
    actors: dict[str, JSON] = field(default_factory=dict)
    exists: Callable[[str], bool] = lambda _url: True

    @property
    def host(self) -> str:
        """The host with its port, as in `name@host` handles: `oer.example.edu`, `127.0.0.1:8000`."""
        return urlsplit(self.site_url).netloc.lower()

    @property
    def hostname(self) -> str:
        """The host without its port, as Mastodon compares hosts (`Addressable::URI#host`)."""
        return (urlsplit(self.site_url).hostname or "").lower()

    def url_of(self, path: str) -> str:
        """The absolute URL of `path` (starting with /) on this site."""
        return self.site_url + path

    def is_local(self, url: str) -> bool:
        return url == self.site_url or url.startswith(self.site_url + "/")


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list: absent is [], a single value is [value] (Mastodon's `as_array`)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def plain_text(html: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, paragraphs and line breaks as new lines, entities
    decoded, runs of spaces collapsed."""
    text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", html)
    text = unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
