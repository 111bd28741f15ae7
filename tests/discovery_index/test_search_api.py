"""The search API and page as a browser or a script uses them: full-text syntax typed in is only text, paging is
bounded, the HTML page works without JavaScript and links to the resources' own sites."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.discovery_index.conftest import Sites

TYPED_SYNTAX = [
    '"fractions',  # an unbalanced quote
    'fractions"',
    "fract*",
    "*",
    "NEAR(fractions simulation)",
    "NEAR fractions",
    "fractions OR physics",
    "fractions AND",
    "NOT fractions",
    "(fractions",
    "fractions)",
    ")(",
    "-",
    "- fractions",
    "fractions -simulation",
    "title:fractions",
    "{title}: fractions",
    "^fractions",
    "fractions + physics",
    "'; DROP TABLE resources; --",
    "\x00fractions\x01",
    "🙂 fractions",
    "a" * 5000,
]


@pytest.mark.parametrize("typed", TYPED_SYNTAX)
def test_full_text_syntax_typed_in_is_searched_as_text(sites: Sites, typed: str) -> None:
    status, body = sites.index.request("GET", "/api/search?" + urllib.parse.urlencode({"q": typed}))
    assert status == 200, body
    status, page = sites.index.request("GET", "/search?" + urllib.parse.urlencode({"q": typed}))
    assert status == 200 and b"<!DOCTYPE html>" in page


def test_words_around_syntax_still_match(sites: Sites) -> None:
    plain = sites.index.search(q="fractions")["total"]
    assert plain > 0
    for typed in ('"fractions', "fractions)", "(fractions", "- fractions", "fractions*", "NEAR(fractions"):
        assert sites.index.search(q=typed)["total"] in (plain, 0) or typed.startswith("NEAR")
    assert sites.index.search(q='"fractions')["total"] == plain
    assert sites.index.search(q="fractions OR pendulum")["matched"] == "any"  # no resource has "or" with both


def test_paging_is_bounded_and_numbers_are_checked(sites: Sites) -> None:
    first = sites.index.search(q="physics", limit="2")
    second = sites.index.search(q="physics", limit="2", offset="2")
    assert first["limit"] == 2 and len(first["results"]) == 2 and first["total"] > 2
    assert {hit["id"] for hit in first["results"]}.isdisjoint(hit["id"] for hit in second["results"])
    assert [hit["rank"] for hit in second["results"]] == [3, 4]
    assert sites.index.search(limit="100000")["limit"] == 100
    assert sites.index.search(offset="99999")["offset"] == 1000
    status, body = sites.index.request("GET", "/api/search?limit=ten")
    assert status == 400 and b"invalid_parameter" in body


def test_the_search_page_works_without_javascript_and_links_to_the_origin(sites: Sites) -> None:
    status, raw = sites.index.request("GET", "/search?q=pendulum&language=en")
    page = raw.decode()
    assert status == 200
    assert "<script" not in page and 'method="get"' in page and 'name="q" value="pendulum"' in page
    assert '<option value="en" selected>en (' in page
    links = re.findall(r'<h3 class="card-title"[^>]*><a href="([^"]+)"', page)
    assert links and all(link.startswith((sites.a.site_url, sites.b.site_url)) for link in links)
    assert "<mark>Pendulum</mark>" in page or "<mark>pendulum</mark>" in page
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheet and not stylesheet.group(1).startswith("http")  # served by the index itself
    status, css = sites.index.request("GET", stylesheet.group(1))
    assert status == 200 and b".resource-card" in css and b".search-form" in css
    status, home = sites.index.request("GET", "/")
    assert status == 200 and f"{sites.index.search()['total']} resources".encode() in home


def test_collections_and_instances_are_listed(sites: Sites) -> None:
    collections = sites.index.get_json(f"/api/collections?instance={urllib.parse.quote(sites.a.host)}")
    assert {c["handle"] for c in collections} == {
        f"@{name}@{sites.a.host}" for name in ("fractions", "intro-physics", "python-basics")
    }
    fractions = next(c for c in collections if c["handle"].startswith("@fractions@"))
    assert fractions["curator"] == "Lucía Herrera" and fractions["url"] == f"{sites.a.site_url}/fractions/"
    instances = {i["host"]: i for i in sites.index.get_json("/api/instances")}
    assert instances[sites.a.host]["software"] == "lectern" and instances[sites.a.host]["resources"] == 17


def test_the_pager_keeps_every_parameter_and_the_last_page_has_no_next(sites: Sites) -> None:
    status, raw = sites.index.request("GET", f"/search?q=fractions&language=en&limit=2&instance={sites.a.host}")
    page = raw.decode()
    following = re.search(r'rel="next" href="([^"]+)"', page)
    assert status == 200 and following
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(following.group(1).replace("&amp;", "&")).query)
    assert params == {"q": ["fractions"], "language": ["en"], "instance": [sites.a.host], "limit": ["2"],
                      "offset": ["2"]}  # fmt: skip
    offset, pages = 0, 0
    while True:
        answer = sites.index.search(q="fractions", language="en", instance=sites.a.host, limit="2", offset=str(offset))
        pages += 1
        if not answer["more"]:
            break
        offset += 2
    assert pages == -(-answer["total"] // 2) and len(answer["results"]) >= 1
    last = sites.index.request(
        "GET", f"/search?q=fractions&language=en&limit=2&offset={offset}&instance={sites.a.host}"
    )
    assert 'rel="next"' not in last[1].decode() and 'rel="prev"' in last[1].decode()


def test_the_pager_stops_at_the_offset_cap(sites: Sites) -> None:
    status, raw = sites.index.request("GET", "/search?limit=1&offset=99999")
    assert status == 200 and 'rel="next"' not in raw.decode()


def test_navigation_leads_to_html_pages_of_sites_and_collections(sites: Sites) -> None:
    status, raw = sites.index.request("GET", "/")
    nav = re.search(r'<nav class="site-nav".*?</nav>', raw.decode())
    assert status == 200 and nav
    targets = re.findall(r'href="([^"]+)"', nav.group(0))
    assert "/sites" in targets and "/collections" in targets and not any(t.startswith("/api") for t in targets)
    for target in targets:
        status, body = sites.index.request("GET", target)
        assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    known = sites.index.get_json("/api/sites")  # other tests add and remove sources: compare with the JSON
    status, listing = sites.index.request("GET", "/sites")
    assert known and all(site["host"] in listing.decode() for site in known)
    for site in known:
        collections = sites.index.get_json(f"/api/collections?instance={urllib.parse.quote(site['host'])}")
        status, listing = sites.index.request("GET", f"/collections?instance={urllib.parse.quote(site['host'])}")
        assert status == 200 and all(c["handle"] in listing.decode() for c in collections)
    assert known == sites.index.get_json("/api/instances")


def test_a_typo_is_answered_with_did_you_mean(sites: Sites) -> None:
    answer = sites.index.search(q="pendulm")
    assert answer["suggestion"] == "pendulum" and answer["total"] >= 2
    status, raw = sites.index.request("GET", "/search?q=pendulm")
    assert status == 200 and "Did you mean" in raw.decode() and 'href="/search?q=pendulum"' in raw.decode()


def test_subject_filters_ignore_case(sites: Sites) -> None:
    lower = sites.index.search(subject="physics", instance=sites.a.host)
    assert (
        lower["total"] > 0 and sites.index.search(subject="PHYSICS", instance=sites.a.host)["total"] == lower["total"]
    )
