from __future__ import annotations

from datetime import UTC, datetime

from lectern.generator.content_model import Site
from lectern.generator.sitemap import SitemapEntry, robots_txt, sitemap_entries, sitemap_xml
from tests.generator.theme_examples import COLLECTION, PATHS, resource


def test_every_page_is_listed_once_with_the_last_change_it_shows() -> None:
    old = resource("old", updated=None)
    new = resource("new", added=datetime(2025, 3, 1, tzinfo=UTC), updated=None)
    site = Site((COLLECTION,), (old, new))
    entries = sitemap_entries(
        site, PATHS, [(PATHS.url("tag/fractions/"), [old])], [(PATHS.url("pages/about/"), None), (PATHS.home, None)]
    )
    assert [e.url for e in entries] == sorted(e.url for e in entries)
    by_url = {e.url: e.lastmod for e in entries}
    assert len(by_url) == len(entries) == 6
    assert by_url[PATHS.home] == by_url[PATHS.collection_page("fractions")] == datetime(2025, 3, 1, tzinfo=UTC)
    assert by_url[PATHS.url("tag/fractions/")] == old.added
    assert by_url[PATHS.url("pages/about/")] is None


def test_the_xml_escapes_addresses_and_omits_unknown_dates() -> None:
    xml = sitemap_xml(
        [
            SitemapEntry("https://oer.example.edu/?a=1&b=2"),
            SitemapEntry("https://oer.example.edu/x/", datetime(2025, 1, 13, tzinfo=UTC)),
        ]
    )
    assert "<loc>https://oer.example.edu/?a=1&amp;b=2</loc></url>" in xml
    assert "<lastmod>2025-01-13T00:00:00+00:00</lastmod>" in xml
    assert robots_txt(PATHS).endswith("Sitemap: https://oer.example.edu/sitemap.xml\n")
