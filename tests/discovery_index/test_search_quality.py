"""Search quality, on every store (`store_backends`: SQLite + FTS5, PostgreSQL), over a small fixed corpus in seven
languages, sent as Lectern sends it (the generator's group Announces of Pages) and read by `ingest`, the inbox's own
function: a labelled relevance set, stemming per language, typos with "did you mean", phrases, exclusion, prefixes,
what is not searchable (the Note's fact lines), copies of one material merged, facet filters in any spelling, paging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from lectern.discovery_index.ingest import Delivery, ingest
from lectern.discovery_index.records import CollectionRecord, FollowState, InstanceRecord
from lectern.discovery_index.storage import IndexStore, SearchQuery, SearchResults
from lectern.generator.content_model import Collection, Resource
from lectern.generator.licenses import find_license
from lectern.generator.objects import resource_to_group_announce, resource_to_note, resource_to_page
from lectern.generator.publication_history import Publication
from lectern.site_paths import SitePaths
from tests.discovery_index.store_backends import BACKENDS

A, B = "oer.example.edu", "escola.example.pt"
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


@dataclass(frozen=True)
class Item:
    slug: str
    title: str
    summary: str
    language: str
    subjects: tuple[str, ...] = ("mathematics",)
    license: str = "CC-BY-4.0"
    link: str = ""
    tags: tuple[str, ...] = ()
    host: str = A


CORPUS = [
    Item("fraction-strips", "Fraction strips", "Paper strips to compare fractions and find equivalent ones.", "en"),
    Item("equivalent-fractions", "Equivalent fractions with pie charts", "Pie charts show when two fractions are "
         "equal.", "en", license="CC-BY-SA-4.0"),
    Item("fractions-decimals", "Fractions and decimals", "Write fractions as decimals on a number line.", "en"),
    Item("pendulum-lab", "Pendulum lab", "A simulation of a pendulum: gravity, length and period.", "en",
         ("physics",), link="https://phet.colorado.edu/en/simulations/pendulum-lab"),
    Item("license-basics", "Open license basics for teachers", "What CC BY and CC BY-SA allow.", "en",
         ("copyright",)),
    Item("python-loops", "Python loops for beginners", "Loops and functions in Python, with exercises.", "en",
         ("computer science",), tags=("python",)),
    Item("fracciones", "Fracciones equivalentes", "Tiras de papel para comparar fracciones.", "es"),
    Item("fotosintesis", "La fotosíntesis en las plantas", "Cómo las plantas producen su alimento.", "es",
         ("biología",)),
    Item("bruchrechnung", "Bruchrechnung mit Größen", "Brüche im Alltag: Längen, Gewichte und andere Größen.",
         "de", ("Mathematik",)),
    Item("pendel", "Das Pendel", "Schwingungen eines Fadenpendels messen.", "de", ("Physik",)),
    Item("fracoes", "Frações na reta numérica", "Atividades com frações para o ensino fundamental.", "pt-BR"),
    Item("fotossintese", "Fotossíntese para crianças", "Como as plantas fazem a fotossíntese.", "pt-BR",
         ("biologia",)),
    Item("fractions-fr", "Les fractions à l'école", "Comparer des fractions avec des bandes de papier.", "fr"),
    Item("frazioni", "Le frazioni equivalenti", "Confrontare le frazioni con le strisce.", "it"),
    Item("breuken", "Breuken vergelijken", "Gelijkwaardige breuken met stroken papier.", "nl"),
    Item("pendulo", "Laboratório do pêndulo", "Simulação de um pêndulo: gravidade e período.", "pt-BR",
         ("física",), link="https://phet.colorado.edu/en/simulations/pendulum-lab/", host=B),
]  # fmt: skip

RELEVANCE = [  # (query, the resources that must come first, in any order)
    ("fraction strips", ["fraction-strips"]),
    ("equivalent fractions", ["equivalent-fractions", "fraction-strips"]),
    ("pendulum", ["pendulum-lab"]),
    ("python loops", ["python-loops"]),
    ("fracciones equivalentes", ["fracciones"]),
    ("fotosíntesis plantas", ["fotosintesis"]),
    ("Bruchrechnung", ["bruchrechnung"]),
    ("Pendel", ["pendel"]),
    ("frações", ["fracoes"]),
    ("fotossíntese", ["fotossintese"]),
]


def announce(item: Item, number: int) -> tuple[CollectionRecord, dict[str, object]]:
    paths = SitePaths(f"https://{item.host}")
    collection = Collection("maths", "Maths", "", "Curator", item.language, (), None, "", "")
    record = CollectionRecord(
        paths.actor("maths"), item.host, f"@maths@{item.host}", "Group", f"Maths on {item.host}", "", "Curator",
        paths.collection_page("maths"), paths.inbox("maths"), follow_state=FollowState.ACCEPTED,
    )  # fmt: skip
    added = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=number)
    resource = Resource(
        "maths", item.slug, item.title, item.summary, item.link or f"https://material.example/{item.slug}", (),
        find_license(item.license), item.language, ("primary",), item.subjects, "worksheet", item.tags,  # type: ignore[arg-type]
        ("Ana Autor",), added, None, "", "",
    )  # fmt: skip
    note = resource_to_note(resource, collection, paths, Publication(added), "library")
    return record, resource_to_group_announce(resource_to_page(note, paths, resource), paths, resource)


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexStore]:
    store = BACKENDS[request.param](tmp_path_factory.mktemp("quality"), request, cache_results=False)()
    deliveries = [Delivery(activity, record) for record, activity in (announce(i, n) for n, i in enumerate(CORPUS))]
    for host in (A, B):
        store.save_instance(InstanceRecord(host, f"https://{host}", host, "lectern"))
    for delivery in deliveries:
        store.save_collection(delivery.collection)
    report = ingest(store, deliveries)
    assert report.applied.upserted == len(CORPUS), report
    yield store
    store.close()


def slugs(results: SearchResults) -> list[str]:
    return [hit.record.url.rstrip("/").rsplit("/", 1)[-1] for hit in results.hits]


def search(store: IndexStore, text: str = "", **filters: str | tuple[str, ...]) -> SearchResults:
    wanted = {facet: (value,) if isinstance(value, str) else value for facet, value in filters.items()}
    return store.search(SearchQuery(text, wanted, limit=20))


@pytest.mark.parametrize(("text", "first"), RELEVANCE)
def test_labelled_queries_return_their_resources_first(store: IndexStore, text: str, first: list[str]) -> None:
    assert sorted(slugs(search(store, text))[: len(first)]) == sorted(first)


@pytest.mark.parametrize(
    ("language", "typed", "found"),
    [
        ("en", "fraction", "fraction-strips"),  # fractions
        ("es", "fracción", "fracciones"),  # fracciones
        ("pt", "fração", "fracoes"),  # frações
        ("de", "grossen", "bruchrechnung"),  # Größen, folded
        ("de", "Bruch", "bruchrechnung"),  # Brüche
        ("fr", "fraction", "fractions-fr"),  # fractions
        ("it", "frazione", "frazioni"),  # frazioni
        ("nl", "breuk", "breuken"),  # breuken
    ],
)
def test_each_language_is_stemmed_and_folded(store: IndexStore, language: str, typed: str, found: str) -> None:
    assert found in slugs(search(store, typed)), language


def test_german_umlauts_may_be_typed_as_two_letters(store: IndexStore) -> None:
    assert "bruchrechnung" in slugs(search(store, "groessen"))
    assert "bruchrechnung" in slugs(search(store, "Größen"))


@pytest.mark.parametrize(("typed", "meant", "found"), [("fractoins", "fractions", "fraction-strips"),
                                                       ("pyhton", "python", "python-loops")])  # fmt: skip
def test_a_typo_is_corrected_and_said(store: IndexStore, typed: str, meant: str, found: str) -> None:
    results = search(store, typed)
    assert results.suggestion == meant and found in slugs(results)


def test_a_known_word_is_not_corrected(store: IndexStore) -> None:
    assert search(store, "fractions").suggestion == ""


def test_a_phrase_needs_its_words_in_order(store: IndexStore) -> None:
    assert slugs(search(store, '"equivalent fractions"')) == ["equivalent-fractions"]
    assert "fraction-strips" in slugs(search(store, "equivalent fractions"))


def test_a_minus_word_excludes(store: IndexStore) -> None:
    found = slugs(search(store, "fractions -decimals"))
    assert "fraction-strips" in found and "fractions-decimals" not in found


def test_a_star_and_the_last_word_match_word_starts(store: IndexStore) -> None:
    assert "fotosintesis" in slugs(search(store, "fotos*"))
    assert "python-loops" in slugs(search(store, "loops pyth"))  # still being typed


def test_the_notes_fact_lines_and_links_are_not_searched(store: IndexStore) -> None:
    assert slugs(search(store, "license")) == ["license-basics"]  # every Note has a "License:" line
    assert search(store, "material.example").total == 0  # every link is on material.example
    assert search(store, "worksheet").total == 0  # the type line


def test_copies_of_one_material_are_one_result(store: IndexStore) -> None:
    results = search(store, "pendulum pêndulo")
    heads = [hit for hit in results.hits if hit.record.links and "phet" in hit.record.links[0]]
    assert len(heads) == 1 and len(heads[0].also_in) == 1
    assert heads[0].also_in[0].instance in (A, B) and heads[0].also_in[0].instance != heads[0].record.instance


@pytest.mark.parametrize("subject", ["Mathematik", "mathematik", "MATHEMATIK"])
def test_subject_filters_ignore_case(store: IndexStore, subject: str) -> None:
    assert slugs(search(store, subject=subject)) == ["bruchrechnung"]


@pytest.mark.parametrize("license_value", ["CC-BY-SA-4.0", BY_SA, "http://creativecommons.org/licenses/by-sa/4.0"])
def test_license_filters_take_identifiers_and_uris(store: IndexStore, license_value: str) -> None:
    assert slugs(search(store, "fractions", license=license_value)) == ["equivalent-fractions"]


def test_language_filters_ignore_case(store: IndexStore) -> None:
    assert set(slugs(search(store, language="PT-br"))) == {"fracoes", "fotossintese", "pendulo"}


def test_home_page_counts_every_facet(store: IndexStore) -> None:
    results = search(store)
    assert results.total == len(CORPUS) and results.matched == "browse"
    languages = {count.value: count.count for count in results.facets["language"]}
    assert languages["en"] == 6 and languages["pt-BR"] == 3


def test_paging_ends_on_the_last_page(store: IndexStore) -> None:
    seen: list[str] = []
    offset = 0
    for _ in range(20):
        results = store.search(SearchQuery("", {}, limit=4, offset=offset))
        seen += slugs(results)
        if not results.more:
            break
        offset += 4
    assert not results.more and len(seen) == len(set(seen)) == len(CORPUS) - 1  # the PhET copy is merged


def test_no_result_and_no_suggestion_for_gibberish(store: IndexStore) -> None:
    results = search(store, "qqqzzzxxx")
    assert results.total == 0 and results.suggestion == "" and not results.hits
