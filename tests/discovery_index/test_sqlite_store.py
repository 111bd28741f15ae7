"""The SQLite + FTS5 store as the service uses it: ranking, filters and facet counts, paging, snippets, the rules of
who may change what, and a state that survives a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lectern.discovery_index.records import (
    CollectionRecord,
    DeleteResource,
    FollowState,
    InstanceRecord,
    Processed,
    RemoveCollection,
    ResourceRecord,
    UpsertResource,
)
from lectern.discovery_index.search_page import highlighted
from lectern.discovery_index.sqlite_store import SqliteIndexStore
from lectern.discovery_index.storage import SearchQuery
from lectern.federation_shim import CachedKey

A, B = "a.example", "b.example"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def actor(host: str, name: str) -> str:
    return f"https://{host}/ap/actors/{name}.json"


def resource(host: str, name: str, slug: str, **fields: object) -> ResourceRecord:
    values: dict[str, object] = {
        "object_id": f"https://{host}/ap/objects/{name}/{slug}.json",
        "collection": actor(host, name),
        "instance": host,
        "url": f"https://{host}/{name}/{slug}/",
        "title": slug.replace("-", " "),
        "summary": "",
        "body": "",
        "license": CC_BY,
        "language": "en",
        "resource_type": "lesson plan",
        "levels": ("primary",),
        "updated": "2026-01-01T00:00:00Z",
        "source": "lectern",
    }
    return ResourceRecord(**(values | fields))  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> SqliteIndexStore:
    store = SqliteIndexStore(tmp_path / "index.sqlite3")
    for host in (A, B):
        store.save_instance(InstanceRecord(host, f"https://{host}", host.upper(), "lectern"))
        for name in ("maths", "physics"):
            store.save_collection(
                CollectionRecord(actor(host, name), host, f"@{name}@{host}", "Group", name.title(), "", "", "",
                                 f"https://{host}/inbox", follow_state=FollowState.ACCEPTED)
            )  # fmt: skip
    store.apply([
        UpsertResource(resource(A, "maths", "fraction-wall", summary="Halves and thirds on a wall.")),
        UpsertResource(resource(A, "maths", "number-line", summary="Place each fraction on the line.")),
        UpsertResource(resource(A, "maths", "decimals", body="Links decimals to fraction strips.", license=CC0)),
        UpsertResource(resource(B, "maths", "fracciones", title="Fracciones", language="es", summary="fraction",
                                levels=("primary", "lower secondary"), resource_type="simulation")),
        UpsertResource(resource(B, "physics", "pendulum", levels=("upper secondary",), resource_type="simulation",
                                subjects=("Physics", "oscillations"))),
    ])  # fmt: skip
    return store


def titles(store: SqliteIndexStore, text: str = "", **filters: tuple[str, ...]) -> list[str]:
    return [hit.record.title for hit in store.search(SearchQuery(text, filters)).hits]


def test_a_word_in_the_title_ranks_above_the_summary_above_the_body(store: SqliteIndexStore) -> None:
    words = "counting games for the whole class"
    store.apply([
        UpsertResource(resource(A, "maths", "in-body", title=words, summary=words, body=f"{words} quokka")),
        UpsertResource(resource(A, "maths", "in-title", title=f"{words} quokka", summary=words, body=words)),
        UpsertResource(resource(A, "maths", "in-summary", title=words, summary=f"{words} quokka", body=words)),
    ])  # fmt: skip
    results = store.search(SearchQuery("quokkas"))  # stemmed: quokkas ~ quokka
    assert [hit.record.object_id.rsplit("/", 1)[1] for hit in results.hits] == [
        "in-title.json", "in-summary.json", "in-body.json"]  # fmt: skip
    assert [hit.rank for hit in results.hits] == [1, 2, 3]


def test_filters_and_facet_counts_cover_every_match(store: SqliteIndexStore) -> None:
    results = store.search(SearchQuery("fraction", limit=1))
    assert len(results.hits) == 1 and results.total == 4
    counts = {facet: {c.value: c.count for c in values} for facet, values in results.facets.items()}
    assert counts["instance"] == {A: 3, B: 1}
    assert counts["level"] == {"primary": 4, "lower secondary": 1}
    assert counts["license"] == {CC_BY: 3, CC0: 1}
    assert titles(store, "fraction", license=(CC0,)) == ["decimals"]
    assert sorted(titles(store, "", type=("simulation",), level=("primary", "upper secondary"))) == [
        "Fracciones", "pendulum"]  # fmt: skip
    assert titles(store, "", subject=("physics",)) == ["pendulum"]  # subjects are matched lower-case
    assert titles(store, "fraction", instance=(B,), language=("en",)) == []


def test_no_resource_with_every_word_falls_back_to_any_word(store: SqliteIndexStore) -> None:
    results = store.search(SearchQuery("pendulum wall"))
    assert results.matched == "any" and results.total == 2


def test_snippets_mark_the_matched_words_and_escape_the_rest(store: SqliteIndexStore) -> None:
    store.apply([UpsertResource(resource(A, "maths", "tags", summary="<b>Bold</b> claims about fractions & more"))])
    hit = store.search(SearchQuery("claims")).hits[0]
    assert highlighted(hit.snippet) == "&lt;b&gt;Bold&lt;/b&gt; <mark>claims</mark> about fractions &amp; more"


def test_typed_syntax_never_reaches_fts5(store: SqliteIndexStore) -> None:
    for typed in ('"', "*", "NEAR(", "a OR", "(", ")", "-", "col:x", "^x", "'", "\\", "AND NOT", '"fraction" *'):
        store.search(SearchQuery(typed))


def test_an_actor_changes_only_its_own_resources_and_never_back_in_time(store: SqliteIndexStore) -> None:
    wall = resource(A, "maths", "fraction-wall")
    stolen = replace(wall, collection=actor(A, "physics"), title="stolen")
    report = store.apply([UpsertResource(stolen), DeleteResource(wall.object_id, actor(A, "physics"))])
    assert (report.upserted, report.deleted, report.ignored) == (0, 0, 2)
    older = replace(wall, title="older", updated="2025-01-01T00:00:00Z")
    assert store.apply([UpsertResource(older)]).ignored == 1
    assert titles(store, "wall") == ["fraction wall"]
    assert store.apply([DeleteResource(wall.object_id, actor(A, "maths"))]).deleted == 1
    assert titles(store, "wall") == []


def test_activities_are_remembered_with_their_changes(store: SqliteIndexStore) -> None:
    store.apply([UpsertResource(resource(A, "maths", "new-one"))], [Processed("https://a.example/c/1", "Create", "x")])
    assert store.was_processed("https://a.example/c/1") and not store.was_processed("https://a.example/c/2")


def test_removing_an_instance_or_an_actor_forgets_what_it_posted(store: SqliteIndexStore) -> None:
    store.keys["k"] = CachedKey("k", actor(B, "maths"), "pem", 1.0)
    assert store.remove_instance(B) == (2, 2)
    assert store.search(SearchQuery()).total == 3 and "k" not in store.keys
    assert not store.is_known_actor(actor(B, "maths"))
    store.apply([RemoveCollection(actor(A, "maths"))])
    assert store.search(SearchQuery()).total == 0 and store.collection(actor(A, "maths")) is None


def test_the_state_and_the_facet_index_survive_a_restart(store: SqliteIndexStore, tmp_path: Path) -> None:
    before = store.search(SearchQuery("fraction"))
    store.close()
    reopened = SqliteIndexStore(tmp_path / "index.sqlite3")
    after = reopened.search(SearchQuery("fraction"))
    assert (after.total, after.facets, [h.record for h in after.hits]) == (
        before.total, before.facets, [h.record for h in before.hits])  # fmt: skip
    reopened.close()


def test_home_page_counts_follow_updates_and_removals(store: SqliteIndexStore) -> None:
    def home() -> dict[str, dict[str, int]]:
        results = store.search(SearchQuery())
        return {facet: {c.value: c.count for c in values} for facet, values in results.facets.items()}

    before = home()
    wall = resource(A, "maths", "fraction-pie", license=CC0, updated="2026-02-01T00:00:00Z")
    store.apply([UpsertResource(wall)])
    assert home()["license"][CC0] == before["license"].get(CC0, 0) + 1
    store.apply([UpsertResource(replace(wall, license=CC_BY, updated="2026-03-01T00:00:00Z"))])
    assert home()["license"].get(CC0, 0) == before["license"].get(CC0, 0)
    assert home()["license"][CC_BY] == before["license"][CC_BY] + 1
    store.remove_instance(B)
    assert B not in home()["instance"] and store.search(SearchQuery()).total == home()["instance"][A]


OLD_SCHEMA = """
CREATE TABLE resources (
    id INTEGER PRIMARY KEY, object_id TEXT NOT NULL UNIQUE, collection TEXT NOT NULL, instance TEXT NOT NULL,
    url TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL, license TEXT NOT NULL, language TEXT NOT NULL,
    resource_type TEXT NOT NULL, levels TEXT NOT NULL, subjects TEXT NOT NULL, tags TEXT NOT NULL,
    authors TEXT NOT NULL, links TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL, source TEXT NOT NULL
);
CREATE VIRTUAL TABLE resources_fts USING fts5(title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO resources VALUES (1, 'https://a.example/ap/objects/maths/f.json', 'https://a.example/ap/actors/maths.json',
    'a.example', 'https://a.example/maths/f/', 'Frações equivalentes', 'Tiras de papel', '', 'pt-BR', 'worksheet',
    '["primary"]', '["Matemática"]', '[]', '[]', '["https://material.example/f"]', '', '2026-01-01T00:00:00Z',
    'lectern');
INSERT INTO resources_fts (rowid, title, summary, body) VALUES (1, 'Frações equivalentes', 'Tiras de papel', 'Notas');
"""


def test_a_database_from_the_previous_version_is_reindexed(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.close()
    store = SqliteIndexStore(path)
    results = store.search(SearchQuery("fração", {"subject": ("matematica",)}))
    assert [hit.record.title for hit in results.hits] == ["Frações equivalentes"]
    assert store.resource("https://a.example/ap/objects/maths/f.json").body == "Notas"  # type: ignore[union-attr]
    store.close()
