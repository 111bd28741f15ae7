"""What a build tells the next one so that it can rebuild a resource page on its own (`lectern.quick_rebuild`).

A rebuild after an edit of a resource's notes changes few files of the output. The notes are shown nowhere but on
the resource's page and in the Atom feeds that list it: not in its Note or any other ActivityPub document, not in
its collection's or tags' pages, its cartridge or the search index. To render that page and those feeds (`Feed`)
alone, the quick rebuild needs what the build gave its template besides the article: the build's context
(`kept_context`: every value that is not a setting, which a quick rebuild reads again, nor an article or made of
articles, which no resource page reads; `generator.page_memo` rests on the same: a resource page is a function of
its article, its resource and collection, the settings and the theme), and each resource's `json_url`, which comes
from the publication history.

`lectern build` puts a `QuickParts` in the Pelican settings (`QUICK_PARTS`); the plugin fills it.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pelican.contents import Content

from lectern.generator.content_model import Resource

__all__ = ["LEFT_OUT", "QUICK_PARTS", "Feed", "QuickParts", "kept_context", "kept_values"]

QUICK_PARTS = "LECTERN_QUICK_PARTS"
PROTOCOL = pickle.HIGHEST_PROTOCOL
# the content model (8 MB of pickle on a site of 5,000 resources) and the publication history (each resource's, in its
# `json_url`), which no resource page reads
LEFT_OUT = frozenset({"lectern_site", "lectern_history"})


@dataclass(frozen=True)
class Feed:
    """A feed as the build wrote it (`Writer.write_feed`'s arguments), its articles by their files' paths."""

    path: str
    url: str | None
    feed_type: str
    override_output: bool
    title: str | None
    files: tuple[str, ...]  # absolute, in the feed's order


@dataclass
class QuickParts:
    json_url: Callable[[Resource], str] | None = None  # a resource's `json_url`, as its article has it
    feeds: list[Feed] = field(default_factory=list)
    page_context: bytes | None = None  # `kept_context` of the context the resource pages were rendered with


class _MadeOfArticles(Exception):
    pass


class _ContextPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: set[int]) -> None:
        super().__init__(file, PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> None:
        # an article, a page, a static file; or the settings or the context, which a tag, a category or an author
        # holds (pickling them, the whole content model among them, before failing cost a full build 8 % of its
        # time): left out with the value holding it
        if isinstance(obj, Content) or id(obj) in self._shared:
            raise _MadeOfArticles
        return None


def kept_context(context: Mapping[str, Any], settings: Mapping[str, Any]) -> bytes:
    """The values of `context` a quick rebuild gives a resource page's template, pickled (see the module
    docstring): those whose name is not upper case (the settings) nor in `LEFT_OUT`, and which pickle without an
    article, the build's `settings` or the context itself."""
    kept: dict[str, bytes] = {}
    shared = {id(context), id(settings)}
    for name, value in context.items():
        if name.isupper() or name in LEFT_OUT:
            continue
        buffer = io.BytesIO()
        try:
            _ContextPickler(buffer, shared).dump(value)
        except (_MadeOfArticles, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            continue
        kept[name] = buffer.getvalue()
    return pickle.dumps(kept, PROTOCOL)


def kept_values(kept: bytes) -> dict[str, Any]:
    """The values `kept_context` kept, unpickled."""
    pickles: dict[str, bytes] = pickle.loads(kept)
    return {name: pickle.loads(data) for name, data in pickles.items()}
