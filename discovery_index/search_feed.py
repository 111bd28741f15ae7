"""A search as an Atom feed (RFC 4287): the newest resources that match it, from every followed site.

`/search.atom?q=fractions&level=primary&language=es` is the same search as `/search?...`, newest first, strict:
only resources with every word (a search that would fall back to "any word" or to a "did you mean" correction gives
an empty feed rather than surprising its reader). Each entry is one resource: its id is the Note's id (stable across
edits, as Atom requires), its link the resource's page on its own site, and its categories the subjects.
A search is named by its canonical form (`canonical_search`: words as typed, filters sorted), so the same search
written two ways is one feed, and one followable actor (`discovery_index.search_actors`).
"""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree

from lectern.discovery_index.records import ResourceRecord
from lectern.discovery_index.storage import SearchQuery, SearchResults

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
EPOCH = "1970-01-01T00:00:00Z"


def canonical_search(query: SearchQuery) -> tuple[tuple[str, str], ...]:
    """The search's words and filters in one order (filters by name, values sorted and case-folded)."""
    params = [("q", " ".join(query.text.split()))] if query.text.strip() else []
    for facet in sorted(query.filters):
        params += [(facet, value) for value in sorted({v.strip().casefold() for v in query.filters[facet]}) if value]
    return tuple(params)


def search_path(query: SearchQuery, path: str = "/search") -> str:
    params = canonical_search(query)
    return path + ("?" + urlencode(params) if params else "")


def describe_search(query: SearchQuery) -> str:
    """A title for the search, as a person reads it: `“fractions”, level primary, language es`."""
    parts = [f"“{' '.join(query.text.split())}”"] if query.text.strip() else []
    parts += [f"{facet} {value}" for facet, value in canonical_search(query) if facet != "q"]
    return ", ".join(parts) or "everything"


def feed_query(query: SearchQuery) -> SearchQuery:
    """The search a feed runs: the newest FEED_SIZE matches."""
    return SearchQuery(query.text, query.filters, FEED_SIZE, 0, newest=True)


def search_feed(base_url: str, index_name: str, query: SearchQuery, results: SearchResults) -> bytes:
    """The Atom document of `results` (of `feed_query(query)`)."""
    strict = results.matched in ("all", "browse") and not results.suggestion
    records = [hit.record for hit in results.hits] if strict else []
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", base_url + search_path(query, "/search.atom"))
    _text(feed, "title", f"{describe_search(query)} · {index_name}")
    _text(feed, "updated", max((_updated(r) for r in records), default=EPOCH))
    _link(feed, "self", base_url + search_path(query, "/search.atom"), "application/atom+xml")
    _link(feed, "alternate", base_url + search_path(query), "text/html")
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", index_name)
    for record in records:
        feed.append(_entry(record))
    ElementTree.indent(feed)
    body: bytes = ElementTree.tostring(feed, encoding="unicode").encode()
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def _entry(record: ResourceRecord) -> ElementTree.Element:
    entry = ElementTree.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", record.object_id)
    _text(entry, "title", record.title or record.url)
    _text(entry, "updated", _updated(record))
    if record.published:
        _text(entry, "published", record.published)
    _link(entry, "alternate", record.url, "text/html")
    for name in record.authors or ("unknown",):
        author = ElementTree.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", name)
    for subject in record.subjects:
        ElementTree.SubElement(entry, f"{{{ATOM}}}category", {"term": subject})
    if record.license:
        _link(entry, "license", record.license, None)
    if record.summary:
        summary = _text(entry, "summary", record.summary)
        if record.language:
            summary.set("{http://www.w3.org/XML/1998/namespace}lang", record.language)
    return entry


def _updated(record: ResourceRecord) -> str:
    return record.updated or record.published or EPOCH


def _text(parent: ElementTree.Element, name: str, text: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = _xml_safe(text)
    return element


def _link(parent: ElementTree.Element, rel: str, href: str, media_type: str | None) -> None:
    attributes = {"rel": rel, "href": _xml_safe(href)}
    if media_type:
        attributes["type"] = media_type
    ElementTree.SubElement(parent, f"{{{ATOM}}}link", attributes)


def _xml_safe(text: str) -> str:
    """Without the characters XML 1.0 cannot hold (control characters other than tab and newlines, surrogates)."""
    return "".join(
        c for c in text if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"
    )
