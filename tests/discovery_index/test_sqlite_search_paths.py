"""The SQLite store's shortcuts for large indexes, on small ones: broad words ranked from their newest title matches,
filtered browsing from the smallest facet, facet counts in Python (ties by label, the chosen values kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lectern.discovery_index import sqlite_search
from lectern.discovery_index.records import CollectionRecord, FollowState, ResourceRecord, UpsertResource
from lectern.discovery_index.sqlite_store import SqliteIndexStore
from lectern.discovery_index.storage import SearchQuery

HOST = "a.example"
ACTOR = f"https://{HOST}/ap/actors/maths.json"


def resource(slug: str, title: str, **fields: object) -> ResourceRecord:
    values: dict[str, object] = {
        "object_id": f"https://{HOST}/ap/objects/maths/{slug}.json",
        "collection": ACTOR,
        "instance": HOST,
        "url": f"https://{HOST}/maths/{slug}/",
        "title": title,
        "summary": "",
        "body": "",
        "language": "en",
        "levels": ("primary",),
        "updated": "2026-01-01T00:00:00Z",
    }
    return ResourceRecord(**(values | fields))  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> SqliteIndexStore:
    store = SqliteIndexStore(tmp_path / "index.sqlite3", cache_results=False)
    store.save_collection(
        CollectionRecord(ACTOR, HOST, f"@maths@{HOST}", "Group", "Maths", "", "", "", f"https://{HOST}/inbox",
                         follow_state=FollowState.ACCEPTED)
    )  # fmt: skip
    return store


def slugs(results: sqlite_search.SearchResults) -> list[str]:
    return [hit.record.object_id.rsplit("/", 1)[1].removesuffix(".json") for hit in results.hits]


def test_a_broad_word_ranks_its_newest_title_matches_first(
    store: SqliteIndexStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_search, "BROAD", 3)
    monkeypatch.setattr(sqlite_search, "RANKED", 2)
    store.apply([UpsertResource(resource("old-short", "Quokka"))])  # the best title match, but indexed first
    store.apply([UpsertResource(resource("old-long", "Quokka facts for a long afternoon"))])
    store.apply([UpsertResource(resource("summary", "Marsupials", summary="quokka"))])
    store.apply([UpsertResource(resource("new-long", "Quokka facts for a long and lazy afternoon"))])
    store.apply([UpsertResource(resource("new-short", "Quokka facts"))])
    assert slugs(store.search(SearchQuery("quokka"))) == ["new-short", "new-long", "old-short", "old-long", "summary"]
    monkeypatch.setattr(sqlite_search, "BROAD", 10)  # not broad: bm25 over every match
    assert slugs(store.search(SearchQuery("quokka")))[:3] == ["old-short", "new-short", "old-long"]


def test_broadness_is_judged_before_the_filters(store: SqliteIndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_search, "BROAD", 3)
    monkeypatch.setattr(sqlite_search, "RANKED", 1)
    store.apply([UpsertResource(resource("old", "Quokka", levels=("primary",)))])
    store.apply([UpsertResource(resource("other", "Quokka", levels=("upper secondary",)))])
    store.apply([UpsertResource(resource("summary", "Marsupials", summary="quokka", levels=("primary",)))])
    store.apply([UpsertResource(resource("new", "Quokka facts for a long afternoon", levels=("primary",)))])
    results = store.search(SearchQuery("quokka", {"level": ("primary",)}))
    assert results.total == 3 and slugs(results) == ["new", "old", "summary"]


def test_browsing_two_values_of_one_facet_lists_a_resource_with_both_once(store: SqliteIndexStore) -> None:
    store.apply([
        UpsertResource(resource("both", "Both", levels=("primary", "lower secondary"))),
        UpsertResource(resource("one", "One", levels=("primary",))),
        UpsertResource(resource("none", "None", levels=("upper secondary",))),
    ])  # fmt: skip
    results = store.search(SearchQuery("", {"level": ("primary", "lower secondary")}))
    assert results.total == 2 and sorted(slugs(results)) == ["both", "one"]
    results = store.search(SearchQuery("", {"level": ("primary", "lower secondary"), "language": ("en",)}))
    assert results.total == 2 and sorted(slugs(results)) == ["both", "one"]


def test_facet_counts_break_ties_by_label_and_keep_the_chosen_values(store: SqliteIndexStore) -> None:
    store.apply([
        UpsertResource(resource(f"r{n}", f"Resource {n}", subjects=subjects))
        for n, subjects in enumerate([("Zebra", "Apple"), ("Zebra", "Mango"), ("Kiwi",), ("Zebra", "Apple")])
    ])  # fmt: skip
    ids = [row[0] for row in store.db.execute("SELECT id FROM resources ORDER BY id")]
    chosen = store.facets.selected_ids({"subject": ("kiwi",)})
    counted = store.facets.counts_over(ids, 2, chosen)
    assert counted["subject"] == [("Zebra", 3), ("Apple", 2), ("Kiwi", 1)]  # Kiwi: chosen, beyond the top 2
    assert store.facets.counts_over(ids, 3, {})["subject"] == [("Zebra", 3), ("Apple", 2), ("Kiwi", 1)]
    assert store.facets.counts_over(ids[1:3], 1, {})["subject"] == [("Kiwi", 1)]  # a tie: by label
    assert store.facets.counts_over(ids, 5, {})["level"] == [("primary", 4)]
