"""The index store as the service uses it, on every backend (`store_backends`: SQLite + FTS5, PostgreSQL): ranking,
filters and facet counts, paging, snippets, the rules of who may change what, and a state that survives a restart
(and, on PostgreSQL, is shared by a second process)."""

from __future__ import annotations

import zlib
from dataclasses import replace

import pytest

from lectern.discovery_index.analysis import fold
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
from lectern.discovery_index.storage import IndexStore, SearchQuery
from lectern.federation_shim import CachedKey
from tests.discovery_index.store_backends import Opener

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
def store(open_store: Opener) -> IndexStore:
    store = open_store()
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


def titles(store: IndexStore, text: str = "", **filters: tuple[str, ...]) -> list[str]:
    return [hit.record.title for hit in store.search(SearchQuery(text, filters)).hits]


def test_a_word_in_the_title_ranks_above_the_summary_above_the_body(store: IndexStore) -> None:
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


def test_filters_and_facet_counts_cover_every_match(store: IndexStore) -> None:
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


def test_no_resource_with_every_word_falls_back_to_any_word(store: IndexStore) -> None:
    results = store.search(SearchQuery("pendulum wall"))
    assert results.matched == "any" and results.total == 2


def test_snippets_mark_the_matched_words_and_escape_the_rest(store: IndexStore) -> None:
    store.apply([UpsertResource(resource(A, "maths", "tags", summary="<b>Bold</b> claims about fractions & more"))])
    hit = store.search(SearchQuery("claims")).hits[0]
    assert highlighted(hit.snippet) == "&lt;b&gt;Bold&lt;/b&gt; <mark>claims</mark> about fractions &amp; more"


def test_typed_syntax_never_reaches_the_engine(store: IndexStore) -> None:
    for typed in ('"', "*", "NEAR(", "a OR", "(", ")", "-", "col:x", "^x", "'", "\\", "AND NOT", '"fraction" *'):
        store.search(SearchQuery(typed))


def test_an_actor_changes_only_its_own_resources_and_never_back_in_time(store: IndexStore) -> None:
    wall = resource(A, "maths", "fraction-wall")
    stolen = replace(wall, collection=actor(A, "physics"), title="stolen")
    report = store.apply([UpsertResource(stolen), DeleteResource(wall.object_id, actor(A, "physics"))])
    assert (report.upserted, report.deleted, report.ignored) == (0, 0, 2)
    older = replace(wall, title="older", updated="2025-01-01T00:00:00Z")
    assert store.apply([UpsertResource(older)]).ignored == 1
    assert titles(store, "wall") == ["fraction wall"]
    assert store.apply([DeleteResource(wall.object_id, actor(A, "maths"))]).deleted == 1
    assert titles(store, "wall") == []


def test_activities_are_remembered_with_their_changes(store: IndexStore) -> None:
    store.apply([UpsertResource(resource(A, "maths", "new-one"))], [Processed("https://a.example/c/1", "Create", "x")])
    assert store.was_processed("https://a.example/c/1") and not store.was_processed("https://a.example/c/2")


def test_removing_an_instance_or_an_actor_forgets_what_it_posted(store: IndexStore) -> None:
    store.keys["k"] = CachedKey("k", actor(B, "maths"), "pem", 1.0)
    assert store.remove_instance(B) == (2, 2)
    assert store.search(SearchQuery()).total == 3 and "k" not in store.keys
    assert not store.is_known_actor(actor(B, "maths"))
    store.apply([RemoveCollection(actor(A, "maths"))])
    assert store.search(SearchQuery()).total == 0 and store.collection(actor(A, "maths")) is None


def test_the_state_and_the_facet_index_survive_a_restart(store: IndexStore, open_store: Opener) -> None:
    before = store.search(SearchQuery("fraction"))
    store.close()
    reopened = open_store()
    after = reopened.search(SearchQuery("fraction"))
    assert (after.total, after.facets, [h.record for h in after.hits]) == (
        before.total, before.facets, [h.record for h in before.hits])  # fmt: skip


def test_a_facet_value_is_one_value_whatever_its_spelling_before_and_after_a_restart(
    store: IndexStore, open_store: Opener
) -> None:
    def subjects(store: IndexStore) -> dict[str, int]:
        counts = store.search(SearchQuery()).facets["subject"]
        keys = [(fold(c.value.lower()), c.count) for c in counts]  # one value per key, whichever spelling labels it
        return {key: n for key, n in keys if key.startswith(("math", "bru", "zahl"))}

    store.apply([
        UpsertResource(resource(A, "maths", "bruch-1", subjects=("Mathematik",))),
        UpsertResource(resource(A, "maths", "bruch-2", subjects=("mathematik", "Brüche"))),
    ])  # fmt: skip
    assert subjects(store) == {"mathematik": 2, "bruche": 1}
    store.close()
    reopened = open_store()  # a new process: the values are read from the database, not added again
    reopened.apply([
        UpsertResource(resource(A, "maths", "bruch-3", subjects=("MATHEMATIK", "Brueche", "Zahlen"))),
        UpsertResource(resource(B, "maths", "bruch-4", subjects=("brüche", "zahlen"))),
    ])  # fmt: skip
    assert subjects(reopened) == {"mathematik": 3, "bruche": 2, "zahlen": 2, "brueche": 1}
    assert sorted(titles(reopened, "", subject=("mathematik",))) == ["bruch 1", "bruch 2", "bruch 3"]
    assert sorted(titles(reopened, "", subject=("Zahlen",))) == ["bruch 3", "bruch 4"]


def test_home_page_counts_follow_updates_and_removals(store: IndexStore) -> None:
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


def test_past_the_sample_size_counts_are_estimates_and_say_so(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lectern.discovery_index import facet_tables, postgres_search

    monkeypatch.setattr(facet_tables, "EXACT_UP_TO", 40)  # SQLite: facets over a sample past 40 matches
    monkeypatch.setattr(postgres_search, "SAMPLE_ROWS", 40)  # PostgreSQL: the same, and the total estimated
    monkeypatch.setattr(postgres_search, "ESTIMATE_FROM", 100)
    store = open_store()
    store.save_instance(InstanceRecord(A, f"https://{A}", A, "lectern"))
    free = {n for n in range(800) if zlib.crc32(b"%d" % n) % 4 == 0}  # a quarter, in no pattern a sample could follow
    many = [resource(A, "maths", f"tapir-{n}", license=CC0 if n in free else CC_BY) for n in range(800)]
    store.apply([UpsertResource(record) for record in many])
    for results in (store.search(SearchQuery("tapir")), store.search(SearchQuery("", {"level": ("primary",)}))):
        licenses = {count.value: count.count for count in results.facets["license"]}
        assert not results.facets_exact and abs(results.total - 800) <= 200, results.total
        expected = {CC_BY: 800 - len(free), CC0: len(free)}
        assert all(abs(licenses.get(uri, 0) - n) <= n / 4 for uri, n in expected.items()), (licenses, expected)
        assert len(results.hits) == 20 and results.more
    free_ones = store.search(SearchQuery("tapir", {"license": (CC0,)}, limit=30, offset=30))
    assert abs(free_ones.total - len(free)) <= len(free) / 4 and not free_ones.facets_exact
    assert len(free_ones.hits) == 30 and {hit.record.license for hit in free_ones.hits} == {CC0}
