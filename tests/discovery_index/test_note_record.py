"""Notes as received (plain JSON) become records: Lectern's schema.org terms from a real build, any other Note by its
text, and nothing at all from a Note that is not public, not the sender's own, or not on the sender's host."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lectern.discovery_index.actor_record import actor_to_record
from lectern.discovery_index.note_record import NotIndexed, note_to_record
from lectern.discovery_index.records import CollectionRecord, ResourceRecord
from lectern.settings import Settings

SITE = "http://127.0.0.1:8000"
FRACTIONS = f"{SITE}/ap/actors/fractions.json"
ALICE = "https://fedi.example/users/alice"


def collection(actor_id: str = FRACTIONS) -> CollectionRecord:
    host = actor_id.split("/")[2]
    return CollectionRecord(actor_id, host, f"@x@{host}", "Group", "X", "", "", actor_id, f"{actor_id}/inbox")


def built(output: Path, path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((output / path).read_text(encoding="utf-8"))
    return document


def test_a_lectern_note_gives_its_educational_metadata(built_site: tuple[Settings, Path]) -> None:
    """A Lectern resource is posted by the site actor in its collection's group (FEP-1b12): indexed as the
    collection's when the group shares it, refused as a post by the collection itself."""
    _settings, output = built_site
    page = built(output, "ap/pages/fractions/fraction-strips.json")
    refused = note_to_record(page, collection())
    assert isinstance(refused, NotIndexed) and refused.reason == "not_attributed"
    assert note_to_record(page, collection(f"{SITE}/ap/actors/intro-physics.json"), in_group=True) == NotIndexed(
        "not_in_group", f"{page['id']} was not posted in the group {SITE}/ap/actors/intro-physics.json"
    )
    record = note_to_record(page, collection(), in_group=True)
    assert isinstance(record, ResourceRecord)
    assert record.title == "Fraction strip wall (printable diagram)"
    assert record.summary.startswith("A printable fraction wall: one whole and strips cut into halves")
    assert record.url == f"{SITE}/fractions/fraction-strips/"
    assert record.license == "https://creativecommons.org/licenses/by/4.0/"
    assert (record.language, record.resource_type) == ("en", "image")
    assert record.levels == ("primary", "lower secondary")
    assert record.subjects == ("mathematics", "fractions")
    assert record.tags == ("fractions", "equivalent_fractions", "printable", "manipulatives")
    assert record.authors == ("Lucía Herrera",)
    assert record.links == (f"{SITE}/fractions/files/fraction-strips.svg",)
    # when it was first published (this copy of the content has no git history: the build that first saw it)
    assert (record.published, record.updated, record.source) == (page["published"], page["published"], "lectern")
    assert "<" not in record.title + record.summary + record.body
    # the lines Lectern writes from the metadata are not the curator's text (they are not searched)
    assert record.body == ""
    assert all(word not in " ".join(record.texts()) for word in ("License:", "Level:", "fraction-strips.svg"))


def test_a_lectern_collection_actor_gives_its_curator_and_flags(built_site: tuple[Settings, Path]) -> None:
    _settings, output = built_site
    record = actor_to_record(built(output, "ap/actors/fractions.json"), fetched_at=1.0)
    assert record is not None
    assert (record.handle, record.kind, record.curator) == ("@fractions@127.0.0.1:8000", "Group", "Lucía Herrera")
    assert record.url == f"{SITE}/fractions/" and record.outbox == f"{SITE}/ap/actors/fractions/outbox.json"
    assert record.indexable is True and "fractions" in record.tags


def fedify_note(**changes: Any) -> dict[str, Any]:
    note = {
        "id": f"{ALICE}/notes/1",
        "type": "Note",
        "attributedTo": ALICE,
        "contentMap": {
            "pt-BR": "<p>Jogos de <strong>ritmo</strong> com marimba.</p><p>Veja "
            '<a href="https://example.org/ritmo.pdf">a partitura</a></p>'
        },
        "to": "as:Public",
        "cc": f"{ALICE}/followers",
        "published": "2026-11-25T10:00:00.123+01:00",
        "tag": [{"type": "Hashtag", "href": "https://fedi.example/tags/musica", "name": "#musica"}],
        "url": [{"type": "Link", "mediaType": "text/html", "href": "https://fedi.example/@alice/1"}],
    }
    return note | changes


def test_any_fediverse_note_gives_its_text_hashtags_and_links() -> None:
    record = note_to_record(fedify_note(), collection(ALICE))
    assert isinstance(record, ResourceRecord)
    assert record.title == "Jogos de ritmo com marimba."
    assert "a partitura" in record.summary and "<" not in record.summary
    assert (record.language, record.tags, record.links) == ("pt-BR", ("musica",), ("https://example.org/ritmo.pdf",))
    assert record.url == "https://fedi.example/@alice/1"
    assert record.published == "2026-11-25T09:00:00Z" and record.source == "activitypub"
    assert record.license == "" and record.levels == ()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"to": [f"{ALICE}/followers"], "cc": []}, "not_public"),
        ({"attributedTo": "https://fedi.example/users/bob"}, "not_attributed"),
        ({"id": "https://other.example/notes/1"}, "foreign_object"),
        ({"type": "Question"}, "not_a_note"),
        ({"id": "javascript:alert(1)"}, "invalid_object"),
    ],
)
def test_a_note_that_is_not_public_or_not_its_own_is_refused(changes: dict[str, Any], reason: str) -> None:
    refused = note_to_record(fedify_note(**changes), collection(ALICE))
    assert isinstance(refused, NotIndexed) and refused.reason == reason


def test_hostile_values_are_dropped_or_bounded() -> None:
    record = note_to_record(
        fedify_note(
            name="T" * 5000,
            url="javascript:alert(1)",
            license={"evil": True},
            educationalLevel=7,
            learningResourceType=["Video", {"name": "x"}],
            inLanguage="en; DROP",
            resourceUrl=["data:text/html,x", "https://ok.example/m"],
        ),
        collection(ALICE),
    )
    assert isinstance(record, ResourceRecord)
    assert len(record.title) <= 301 and record.url == f"{ALICE}/notes/1"
    assert (record.license, record.levels, record.resource_type) == ("", (), "video")
    assert record.language == "" and record.links == ("https://ok.example/m",)


def test_a_note_with_a_summary_keeps_all_of_its_content_in_the_body() -> None:
    """The body was `text[len(summary):]`, cutting the start of the content when the summary is the Note's own."""
    note = fedify_note(summary="Content warning: maths", contentMap={"en": "<p>Fractions are parts of a whole.</p>"})
    record = note_to_record(note, collection(ALICE))
    assert isinstance(record, ResourceRecord)
    assert record.summary == "Content warning: maths"
    assert record.body.startswith("Fractions are parts of a whole.")


def test_a_long_note_without_summary_continues_its_body_where_the_summary_stops() -> None:
    words = [f"word{n}" for n in range(600)]
    record = note_to_record(fedify_note(contentMap={"en": "<p>" + " ".join(words) + "</p>"}), collection(ALICE))
    assert isinstance(record, ResourceRecord)
    assert record.summary.endswith("…")
    shown = record.summary.removesuffix("…").split()
    assert record.body.split()[0] == words[len(shown)]  # nothing lost between summary and body, nothing repeated


HOSTILE_MARKUP = [
    '<img src=x onerror="alert(1)">Maths',
    "<script>alert(1)</script>Maths",
    "&lt;img src=x onerror=alert(1)&gt;Maths",
    "&lt;script&gt;alert(1)&lt;/script&gt;Maths",
    "Maths<svg/onload=alert(1)",
]


@pytest.mark.parametrize("markup", HOSTILE_MARKUP)
def test_names_and_summaries_are_stored_as_plain_text(markup: str) -> None:
    record = note_to_record(fedify_note(name=markup, summary=markup, keywords=[markup]), collection(ALICE))
    assert isinstance(record, ResourceRecord)
    for text in (record.title, record.summary, record.body, *record.tags):
        assert "<" not in text and ">" not in text, text
        assert "onerror" not in text or "<" not in text
    assert "Maths" in record.title


@pytest.mark.parametrize("markup", HOSTILE_MARKUP)
def test_actor_names_and_summaries_are_stored_as_plain_text(markup: str) -> None:
    document = {
        "id": ALICE,
        "type": "Person",
        "inbox": f"{ALICE}/inbox",
        "name": markup,
        "summary": f"<p>{markup}</p>",
        "preferredUsername": markup,
    }
    record = actor_to_record(document, 0.0)
    assert record is not None
    for text in (record.name, record.summary, record.handle):
        assert "<" not in text and ">" not in text, text


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-13-01", "x" * 50])
def test_dates_outside_the_calendar_are_dropped_not_raised(moment: str) -> None:
    record = note_to_record(fedify_note(published=moment, updated=moment), collection(ALICE))
    assert isinstance(record, ResourceRecord) and record.published == record.updated == ""


@pytest.mark.parametrize("object_id", ["http://[::1/notes/1", "https://fedi.example:99999/n", "http://a..b/n"])
def test_an_object_id_that_cannot_be_split_is_refused_not_raised(object_id: str) -> None:
    refused = note_to_record(fedify_note(id=object_id), collection(ALICE))
    assert isinstance(refused, NotIndexed) and refused.reason == "invalid_object"
