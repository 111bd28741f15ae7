"""Two Lectern sites followed by the index: one search finds both with the right facet counts; a resource added,
edited and removed on one site (`lectern build`, then `lectern deliver`) is searchable, updated and gone within
seconds; `lectern index remove` forgets a site and unfollows it."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.discovery_index.conftest import EDITED_TITLES, Sites

NEW_RESOURCE = """---
title: Origami fractions with paper squares
summary: Pupils fold paper squares into halves, quarters and eighths and name each part as a fraction.
link: https://example.org/origami-fractions
license: CC-BY-SA-4.0
language: en
level: primary
subjects: mathematics, fractions
type: lesson plan
tags: fractions, hands_on
authors: Ms. Rivera
added: 2026-11-20
---
Fold first, name the fractions after.
"""


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def counts(facet: list[dict[str, Any]]) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in facet}


def test_lectern_index_list_shows_both_sites_and_their_collections(sites: Sites) -> None:
    listing = sites.index.lectern_index("list")
    assert listing.returncode == 0, listing.stderr
    assert f"{sites.a.host} (Open Classroom Library, lectern): 17 resources" in listing.stdout
    assert f"{sites.b.host} (Second Library, lectern): 12 resources" in listing.stdout
    for handle in ("@fractions", "@intro-physics", "@python-basics"):
        assert f"{handle}@{sites.a.host}: accepted" in listing.stdout, listing.stdout
    assert f"@python-basics@{sites.b.host}" not in listing.stdout


def test_browsing_counts_every_facet_as_the_sites_published_it(sites: Sites) -> None:
    notes = {sites.a.host: sites.notes(sites.a), sites.b.host: sites.notes(sites.b)}
    everything = [note for published in notes.values() for note in published]
    answer = sites.index.search(instance=list(notes), limit="100")  # other tests add other sources
    assert answer["matched"] == "browse"
    assert answer["total"] == len(everything) == 29
    assert counts(answer["facets"]["instance"]) == {host: len(published) for host, published in notes.items()}
    assert counts(answer["facets"]["language"]) == Counter(note["inLanguage"] for note in everything)
    assert counts(answer["facets"]["license"]) == Counter(note["license"] for note in everything)
    assert counts(answer["facets"]["type"]) == Counter(note["learningResourceType"] for note in everything)
    assert counts(answer["facets"]["level"]) == Counter(level for n in everything for level in n["educationalLevel"])
    shown = [hit["url"] for hit in answer["results"]] + [c["url"] for hit in answer["results"] for c in hit["also_in"]]
    assert sorted(shown) == sorted(note["url"] for note in everything)  # site B's copies of A's material merged
    assert len(answer["results"]) < len(everything) and not answer["more"]


def test_a_search_finds_resources_from_both_sites_with_facet_counts(sites: Sites) -> None:
    answer = sites.index.search(q="pendulum")
    assert counts(answer["facets"]["instance"]) == {sites.a.host: 2, sites.b.host: 2}
    assert answer["total"] == 4
    top = answer["results"][0]
    assert "Pendulum" in top["title"] and "<mark>" in top["snippet_html"].lower()
    assert top["url"].startswith((sites.a.site_url, sites.b.site_url)) and top["url"].endswith("/")

    edited = sites.index.search(q="Lisbon")
    assert edited["total"] == 2 and counts(edited["facets"]["instance"]) == {sites.b.host: 2}
    assert {hit["title"] for hit in edited["results"]} == set(EDITED_TITLES.values())

    spanish = sites.index.search(language="es", instance=sites.b.host)
    assert spanish["total"] == 2 and {hit["instance"] for hit in spanish["results"]} == {sites.b.host}
    assert all(hit["language"] == "es" for hit in spanish["results"])

    filtered = sites.index.search(q="fracción", level="primary", type="simulation")
    assert filtered["total"] == 4  # the two PhET simulations in Spanish, on each site
    assert counts(filtered["facets"]["level"])["primary"] == 4
    assert len(filtered["results"]) == 2 and all(len(hit["also_in"]) == 1 for hit in filtered["results"])
    assert all(hit["instance"] != hit["also_in"][0]["instance"] for hit in filtered["results"])
    status, raw = sites.index.request("GET", "/search?q=fracci%C3%B3n&level=primary&type=simulation")
    page = raw.decode()  # the page shows each copy on the other site under its one result
    assert status == 200 and page.count('class="also-in"') == 2
    assert all(f'href="{hit["also_in"][0]["url"]}"' in page for hit in filtered["results"])
    # the English word is only in their addresses (phet.colorado.edu/.../fractions-intro): not searched
    assert sites.index.search(q="fractions", level="primary", type="simulation")["total"] == 0


def test_a_resource_added_edited_and_removed_on_one_site_follows_within_seconds(sites: Sites) -> None:
    site, index = sites.a, sites.index
    resource = site.project / "content" / "fractions" / "origami-squares.md"
    page = f"{site.site_url}/fractions/origami-squares/"

    def build_and_deliver() -> None:
        built = site.lectern("build")
        assert built.returncode == 0, built.stderr
        delivered = site.lectern("deliver")
        assert delivered.returncode == 0 and "0 failed" in delivered.stdout, delivered.stdout + index.log()
        assert "Sent 0" not in delivered.stdout, delivered.stdout

    resource.write_text(NEW_RESOURCE, encoding="utf-8")
    build_and_deliver()
    found = wait_until(lambda: index.search(q="origami")["results"], "the new resource is searchable")
    assert len(found) == 1
    hit = found[0]
    assert hit["title"] == "Origami fractions with paper squares" and hit["url"] == page
    assert hit["license_label"] == "CC BY-SA 4.0" and hit["levels"] == ["primary"] and hit["type"] == "lesson plan"
    assert hit["instance"] == site.host and hit["collection"]["name"] == "Fractions, from grade 3 to grade 6"
    assert hit["tags"] == ["fractions", "hands_on"] and hit["links"] == ["https://example.org/origami-fractions"]

    resource.write_text(NEW_RESOURCE.replace("eighths", "eighths, then kirigami stars"), encoding="utf-8")
    build_and_deliver()
    edited = wait_until(lambda: index.search(q="kirigami")["results"], "the edit is searchable")
    assert edited[0]["url"] == page and index.search(q="origami")["total"] == 1

    resource.unlink()
    build_and_deliver()
    wait_until(lambda: index.search(q="origami")["total"] == 0, "the removed resource is gone")
    assert index.search(q="kirigami")["total"] == 0


def test_removing_a_site_forgets_it_and_unfollows_its_collections(sites: Sites) -> None:
    removed = sites.index.lectern_index("remove", sites.b.site_url)
    assert removed.returncode == 0, removed.stderr
    assert f"Removed {sites.b.host}: 2 actors and 12 resources; Undo(Follow) delivered to 2." in removed.stdout
    answer = sites.index.search()
    assert sites.b.host not in counts(answer["facets"]["instance"])
    assert sites.index.search(q="Lisbon")["total"] == 0
    hosts = {i["host"] for i in sites.index.get_json("/api/instances")}
    assert sites.a.host in hosts and sites.b.host not in hosts
    followers = sites.b.lectern("followers", "list")
    assert "0 followers." in followers.stdout, followers.stdout
