"""What a resource page or a tag page is made from, as one hash, so a rebuild can tell it is unchanged unrendered.

Pelican renders every page on every build. A resource page is a function of its article (title, notes, tags, URL)
and of what the theme context gives it (`article.lectern`, the `Resource`, and `article.lectern_page`, its
`ResourcePage`, made from the resource, its collection, its hosted files' sizes and its feed); everything else it
shows comes from the settings and the theme, which the build cache's fingerprint covers (a change there empties the
cache). A tag page is a function of its tag, its entry in `lectern_tag_meta` and its articles, in order; a
collection page, of its `lectern_collections` entry (the collection, its `CollectionPage`, its addresses) and its
articles. `article_fingerprint` hashes an article, `page_key` any of these pages, `feed_key` an Atom feed (its
articles, in order, and where it goes); any other page has no key and is always rendered. `cartridge_key` does the
same for a collection's Common Cartridge (a zip built from the collection, its resources and the bytes of their
hosted files), which is not a page but is memoised the same way (`generator.cartridge_output`), and `resource_key`
for a resource's ActivityPub documents (its Note and the activities around it, each a pure function of the resource,
its collection and its publication, with the settings: `generator.json_files`).

The build cache keeps, by key, the SHA-256 of the page rendered (`lectern.build_cache.BuildCache.page_digest`); when
the output already holds a file with that digest at the page's place (`lectern.incremental_output`), the writer
skips the page without rendering it (`generator.background_files.LecternWriter`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

__all__ = ["article_fingerprint", "cartridge_key", "feed_key", "page_key", "resource_key"]


def article_fingerprint(article: Any) -> str:
    """A hash of everything of `article` that the theme's pages show (see the module docstring)."""
    category = getattr(article, "category", None)
    collection, sizes, feed = article.lectern_page.made_from()
    return _hash_of(
        repr(article.lectern),
        # what its `ResourcePage` is made from, besides the resource, the settings and the theme (not the page: made
        # only for a page that is rendered, `generator.theme_context.PageLater`); the collection's repr once each
        _collection_repr(collection),
        sorted(sizes.items()),
        feed,
        article.title,
        article.content,
        article.url,  # (where it is written is part of `page_key`)
        article.json_url,
        article.resource_links,
        [(str(tag), tag.slug, tag.url) for tag in getattr(article, "tags", [])],
        (str(category), getattr(category, "url", None)),
        getattr(article, "lang", None),
        getattr(article, "summary", None),
        str(getattr(article, "date", None)),
    )


def _hash_of(*parts: object) -> str:
    """One hash of `parts`: each a text, or another value by its repr, after its kind and length (so no two lists of
    parts give the same bytes). Hashing the repr of the tuple of parts escaped each text again (the notes' HTML, a
    few kilobytes), half of the fingerprint's time."""
    digest = hashlib.sha256()
    for part in parts:
        text, kind = (part, b"s") if isinstance(part, str) else (repr(part), b"r")
        data = text.encode("utf-8", "surrogatepass")
        digest.update(kind + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@lru_cache(maxsize=1024)
def _collection_repr(collection: Any) -> str:
    return repr(collection)


def page_key(name: str, template: Any, context: Mapping[str, Any], kwargs: Mapping[str, Any]) -> str | None:
    """The key of the page Pelican writes at `name` with `template` and `kwargs`; None for other pages."""
    template_name = getattr(template, "name", None)
    article = kwargs.get("article")
    if article is not None:
        fingerprint = getattr(article, "lectern_fingerprint", None)
        if fingerprint is None:
            return None
        parts: tuple[Any, ...] = ("article", template_name, name, fingerprint)
    elif "lectern_collection" in kwargs:
        entry = kwargs["lectern_collection"]
        prints = [getattr(a, "lectern_fingerprint", None) for a in entry["articles"]]
        if None in prints:
            return None
        others = sorted((k, repr(v)) for k, v in entry.items() if k != "articles")
        parts = ("collection", template_name, name, others, prints)
        parts += tuple(repr(kwargs.get(k)) for k in ("page_name", "json_url", "lang"))
    elif "tag" in kwargs and "articles" in kwargs:
        prints = [getattr(a, "lectern_fingerprint", None) for a in kwargs["articles"]]
        if None in prints:
            return None
        tag = kwargs["tag"]
        meta = context.get("lectern_tag_meta", {}).get(getattr(tag, "slug", None))
        parts = ("tag", template_name, name, str(tag), tag.slug, tag.url, repr(meta), prints, kwargs.get("page_name"))
    else:
        return None
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def feed_key(elements: Sequence[Any], path: str, url: str | None, feed_type: str, title: str | None) -> str | None:
    """The key of the feed of `elements` (already cut to the feed's length) written at `path`."""
    prints = [getattr(a, "lectern_fingerprint", None) for a in elements]
    if None in prints:
        return None
    return hashlib.sha256(repr(("feed", path, url, feed_type, title, prints)).encode("utf-8")).hexdigest()


def cartridge_key(
    version: str, site_url: str, collection: Any, resources: Sequence[Any], files: Mapping[str, bytes]
) -> str:
    """The key of the cartridge of `collection` with `resources`, whose hosted files are `files` (name -> bytes)."""
    hosted = sorted((name, hashlib.sha256(data).hexdigest()) for name, data in files.items())
    parts = ("cartridge", version, site_url, repr(collection), [repr(r) for r in resources], hosted)
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def resource_key(resource: Any, collection: Any, publication: Any) -> str:
    """The key of the ActivityPub documents of `resource` in `collection`, published as `publication`."""
    parts = ("resource", repr(resource), repr(collection), repr(publication))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
