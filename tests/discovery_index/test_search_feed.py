"""A search as an Atom feed: the newest matches first, only strict matches, one canonical address per search."""

from __future__ import annotations

import urllib.parse
from xml.etree import ElementTree

from lectern.discovery_index.search_feed import canonical_search, describe_search
from lectern.discovery_index.storage import SearchQuery
from tests.discovery_index.conftest import Sites

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(sites: Sites, **params: str) -> ElementTree.Element:
    status, body = sites.index.request("GET", "/search.atom?" + urllib.parse.urlencode(params))
    assert status == 200, body
    return ElementTree.fromstring(body)


def test_a_search_feed_lists_its_matches_newest_first_with_links_to_their_sites(sites: Sites) -> None:
    document = feed(sites, q="physics")
    entries = document.findall(f"{ATOM}entry")
    api = sites.index.search(q="physics", limit="100")
    assert len(entries) == len(api["results"]) > 1  # one entry per material: copies on two sites are merged
    pages = {hit["url"] for hit in api["results"]} | {copy["url"] for hit in api["results"] for copy in hit["also_in"]}
    alternates = [e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in entries]  # type: ignore[union-attr]
    assert set(alternates) <= pages  # which copy of a material heads it depends on the order; the materials do not
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert all(link.startswith((sites.a.site_url, sites.b.site_url)) for link in alternates)
    assert document.findtext(f"{ATOM}title", "").startswith("“physics”")


def test_a_search_written_two_ways_is_one_feed_and_a_fallback_search_is_empty(sites: Sites) -> None:
    one = feed(sites, q="physics", level="Upper Secondary", language="en")
    other = feed(sites, language="EN", q=" physics ", level="upper secondary")
    assert one.findtext(f"{ATOM}id") == other.findtext(f"{ATOM}id")
    assert sites.index.search(q="pendulum zzzunknownword")["matched"] == "any"
    assert feed(sites, q="pendulum zzzunknownword").findall(f"{ATOM}entry") == []


def test_canonical_search_orders_filters_and_folds_case() -> None:
    query = SearchQuery("  fractions   pie ", {"level": ("Primary",), "language": ("es", "EN")})
    assert canonical_search(query) == (
        ("q", "fractions pie"),
        ("language", "en"),
        ("language", "es"),
        ("level", "primary"),
    )
    assert describe_search(query) == "“fractions pie”, language en, language es, level primary"


def test_a_lectern_resource_reached_as_note_and_as_page_is_one_record(sites: Sites) -> None:
    api = sites.index.search(q="physics", limit="100")
    ids = [hit["id"] for hit in api["results"]] + [c["url"] for hit in api["results"] for c in hit["also_in"]]
    assert not any("/ap/pages/" in found for found in ids)
    for hit in api["results"]:
        assert hit["url"] not in {copy["url"] for copy in hit["also_in"]}  # never "also in" itself


def test_the_search_page_links_its_feed(sites: Sites) -> None:
    status, raw = sites.index.request("GET", "/search?q=physics&level=upper+secondary")
    page = raw.decode()
    assert status == 200
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/search.atom?q=physics&amp;level=upper+secondary"' in page
