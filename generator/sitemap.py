"""`sitemap.xml` (https://www.sitemaps.org/protocol.html) and the `robots.txt` that points to it.

The sitemap lists every HTML page a visitor can land on (home, collections, resources, tags, and Pelican pages) with
its `lastmod`: the last change of the newest resource the page shows, never the time of the build, so two builds of
the same content write the same bytes. The 404 page and "gone" pages are not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from lectern.generator.content_model import Resource, Site
from lectern.site_paths import SitePaths

SITEMAP_FILE = "sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None = None


def _newest(resources: Iterable[Resource]) -> datetime | None:
    return max((r.last_changed for r in resources), default=None)


def sitemap_entries(
    site: Site,
    paths: SitePaths,
    tag_pages: Sequence[tuple[str, Sequence[Resource]]] = (),
    other_pages: Sequence[tuple[str, datetime | None]] = (),
) -> list[SitemapEntry]:
    """Every page, sorted by URL. `tag_pages` is (URL, its resources); `other_pages` is (URL, last change)."""
    entries = [SitemapEntry(paths.home, _newest(site.resources))]
    for collection in site.collections:
        resources = site.resources_of(collection.slug)
        entries.append(SitemapEntry(paths.collection_page(collection.slug), _newest(resources)))
        entries += [SitemapEntry(paths.resource_page(r.key), r.last_changed) for r in resources]
    entries += [SitemapEntry(url, _newest(resources)) for url, resources in tag_pages]
    entries += [SitemapEntry(url, changed) for url, changed in other_pages]
    first: dict[str, SitemapEntry] = {}
    for entry in entries:
        first.setdefault(entry.url, entry)
    return sorted(first.values(), key=lambda e: e.url)


def sitemap_xml(entries: Iterable[SitemapEntry]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.isoformat()}</lastmod>" if entry.lastmod else ""
        lines.append(f"  <url><loc>{escape(entry.url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(paths: SitePaths) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {paths.url(SITEMAP_FILE)}\n"
