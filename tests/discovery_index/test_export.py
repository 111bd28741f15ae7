"""The AMB export: each stored resource as an AMB record (valid against AMB's schema), paged by a stable cursor, and
the route a harvester walks by its `next` links."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from lectern.discovery_index.export import MAX_PAGE, export_page, resource_to_amb
from lectern.discovery_index.records import DeleteResource, ResourceRecord, UpsertResource
from lectern.discovery_index.sqlite_store import SqliteIndexStore
from tests.discovery_index.conftest import Sites
from tests.generator.amb_validation import amb_errors

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def record(slug: str, **fields: object) -> ResourceRecord:
    values: dict[str, object] = {
        "object_id": f"https://oer.example/ap/objects/fractions/{slug}.json",
        "collection": "https://oer.example/ap/actors/fractions.json",
        "instance": "oer.example",
        "url": f"https://oer.example/fractions/{slug}/",
        "title": slug.replace("-", " "),
        "summary": "Fractions on a number line.",
        "body": "",
        "license": CC_BY,
        "language": "en",
        "resource_type": "lesson plan",
        "levels": ("primary",),
        "subjects": ("mathematics", "fractions"),
        "authors": ("Lucía Herrera",),
        "links": ("https://example.org/number-line",),
        "published": "2026-01-01T00:00:00Z",
        "updated": "2026-01-02T00:00:00Z",
        "source": "lectern",
    }
    return ResourceRecord(**(values | fields))  # type: ignore[arg-type]


def test_a_lectern_resource_becomes_an_amb_record_with_concepts_of_the_kim_vocabularies() -> None:
    document = resource_to_amb(record("number-line"))
    assert document == {
        "@context": ["https://w3id.org/kim/amb/context.jsonld", "https://schema.org", {"@language": "en"}],
        "id": "https://oer.example/fractions/number-line/",
        "type": ["LearningResource"],
        "name": "number line",
        "url": "https://oer.example/fractions/number-line/",
        "description": "Fractions on a number line.",
        "inLanguage": ["en"],
        "license": {"id": CC_BY},
        "learningResourceType": [
            {
                "id": "https://w3id.org/kim/hcrt/lesson_plan",
                "type": "Concept",
                "prefLabel": {"de": "Unterrichtsplanung", "en": "Lesson Plan"},
            }
        ],
        "educationalLevel": [
            {
                "id": "https://w3id.org/kim/educationalLevel/level_1",
                "type": "Concept",
                "prefLabel": {"de": "Primarbereich", "en": "Primary education"},
            }
        ],
        "about": [
            {"id": "http://w3id.org/kim/schulfaecher/s1017", "type": "Concept", "prefLabel": {"de": "Mathematik"}}
        ],
        "creator": [{"type": "Person", "name": "Lucía Herrera"}],
        "keywords": ["mathematics", "fractions"],
        "datePublished": "2026-01-01T00:00:00Z",
        "dateModified": "2026-01-02T00:00:00Z",
        "isAccessibleForFree": True,
        "sameAs": ["https://example.org/number-line"],
        "isPartOf": [{"id": "https://oer.example/ap/actors/fractions.json"}],
        "mainEntityOfPage": [
            {
                "id": "https://oer.example/fractions/number-line/",
                "type": "WebContent",
                "provider": {"id": "https://oer.example/", "type": "WebSite", "name": "oer.example"},
                "dateCreated": "2026-01-01T00:00:00Z",
                "dateModified": "2026-01-02T00:00:00Z",
            }
        ],
    }
    assert amb_errors(document) == []


def test_a_post_from_another_server_says_only_what_it_knows() -> None:
    """A Mastodon post has no type, level or subject area, and is not said to be free; an unreadable date is left
    out rather than written as AMB's schema would refuse it."""
    document = resource_to_amb(
        record("toot", resource_type="", levels=(), subjects=("fractions",), source="activitypub", published="soon")
    )
    for absent in ("learningResourceType", "educationalLevel", "about", "isAccessibleForFree", "datePublished"):
        assert absent not in document
    assert amb_errors(document) == []


def test_pages_follow_the_storage_order_and_a_removal_during_a_harvest_skips_or_repeats_nothing(
    tmp_path: Path,
) -> None:
    store = SqliteIndexStore(tmp_path / "index.sqlite3")
    store.apply([UpsertResource(record(f"r{number}")) for number in range(5)])
    first, cursor = export_page(store.db, 0, 2)
    assert [r.title for r in first] == ["r0", "r1"] and cursor is not None
    store.apply([DeleteResource(record("r1").object_id, record("r1").collection)])
    store.apply([UpsertResource(record("r5"))])
    second, cursor = export_page(store.db, cursor, 2)
    third, last = export_page(store.db, cursor or 0, 2)
    assert [r.title for r in second + third] == ["r2", "r3", "r4", "r5"] and last is None
    store.close()


def test_a_harvester_walks_the_next_links_through_every_indexed_resource(sites: Sites) -> None:
    total = sites.index.search()["total"]
    path, harvested, pages = "/api/export/amb?limit=7", [], 0
    while path:
        status, body = sites.index.request("GET", path)
        assert status == 200, body
        page = json.loads(body)
        assert page["count"] == len(page["records"]) <= 7
        harvested += page["records"]
        pages += 1
        path = (
            urllib.parse.urlsplit(page["next"]).path + "?" + urllib.parse.urlsplit(page["next"]).query
            if page["next"]
            else ""
        )
    assert total > 7 and pages == -(-total // 7)
    assert len({document["id"] for document in harvested}) == len(harvested) == total
    assert [amb_errors(document) for document in harvested] == [[]] * total
    assert all(document["about"] for document in harvested if document["inLanguage"] == ["en"])


def test_the_page_size_is_bounded_and_a_bad_cursor_is_a_400(sites: Sites) -> None:
    page = sites.index.get_json("/api/export/amb?limit=999999")
    assert page["count"] <= MAX_PAGE
    for query in ("after=abc", "after=-1", "limit=%C2%B2", "after=" + "9" * 40):
        status, body = sites.index.request("GET", f"/api/export/amb?{query}")
        assert status == 400 and json.loads(body)["reason"] == "bad_parameter", query
