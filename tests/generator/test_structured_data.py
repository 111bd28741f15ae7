from __future__ import annotations

import json
from pathlib import Path

from lectern.generator.content_loader import load_site
from lectern.generator.structured_data import collection_document, indented_json, learning_resource, script_json
from tests.generator.amb_validation import amb_errors
from tests.generator.theme_examples import COLLECTION, PATHS, resource


def test_a_resource_is_an_amb_learning_resource_with_concepts_of_the_kim_vocabularies() -> None:
    document = learning_resource(
        resource(link="https://example.org/strips", areas=("mathematics",)),
        COLLECTION,
        PATHS,
        {"strips.pdf": "application/pdf"},
        "Golden School",
    )
    page = "https://oer.example.edu/fractions/strips/"
    assert document == {
        "@context": ["https://w3id.org/kim/amb/context.jsonld", "https://schema.org", {"@language": "en"}],
        "id": page,
        "type": ["LearningResource"],
        "name": "Fraction <strips>",
        "description": "A printable wall.",
        "url": page,
        "license": {"id": "https://creativecommons.org/licenses/by-sa/4.0/"},
        "learningResourceType": [
            {
                "id": "https://w3id.org/kim/hcrt/worksheet",
                "type": "Concept",
                "prefLabel": {"de": "Arbeitsmaterial", "en": "Worksheet"},
            }
        ],
        "educationalLevel": [
            {
                "id": "https://w3id.org/kim/educationalLevel/level_1",
                "type": "Concept",
                "prefLabel": {"de": "Primarbereich", "en": "Primary education"},
            },
            {
                "id": "https://w3id.org/kim/educationalLevel/level_2",
                "type": "Concept",
                "prefLabel": {"de": "Sekundarbereich I", "en": "Lower secondary education"},
            },
        ],
        "about": [
            {"id": "http://w3id.org/kim/schulfaecher/s1017", "type": "Concept", "prefLabel": {"de": "Mathematik"}}
        ],
        "creator": [{"type": "Person", "name": "Lucía Herrera"}],
        "creditText": "Fraction <strips> by Lucía Herrera, CC BY-SA 4.0",
        "keywords": ["mathematics", "fractions", "printable"],
        "inLanguage": ["en"],
        "dateCreated": "2024-09-02T00:00:00+00:00",
        "datePublished": "2024-09-02T00:00:00+00:00",
        "dateModified": "2025-01-13T09:30:00+00:00",
        "isAccessibleForFree": True,
        "isPartOf": [{"id": "https://oer.example.edu/fractions/", "name": "Fractions"}],
        "mainEntityOfPage": [
            {
                "id": page,
                "type": "WebContent",
                "provider": {"id": "https://oer.example.edu/", "type": "WebSite", "name": "Golden School"},
                "dateCreated": "2024-09-02T00:00:00+00:00",
                "dateModified": "2025-01-13T09:30:00+00:00",
            }
        ],
        "sameAs": "https://example.org/strips",
        "encoding": [
            {
                "type": "MediaObject",
                "contentUrl": "https://oer.example.edu/fractions/files/strips.pdf",
                "name": "strips.pdf",
                "encodingFormat": "application/pdf",
            }
        ],
    }
    assert amb_errors(document) == []


def test_a_textbook_in_brazilian_portuguese_at_university_is_a_book_with_both_subject_vocabularies() -> None:
    document = learning_resource(
        resource(resource_type="textbook", language="pt-BR", levels=("higher education",), areas=("Informatik",)),
        COLLECTION,
        PATHS,
    )
    assert document["type"] == ["LearningResource", "Book"]
    assert document["@context"][-1] == {"@language": "pt"} and document["inLanguage"] == ["pt"]
    assert [concept["id"] for concept in document["about"]] == ["https://w3id.org/kim/hochschulfaechersystematik/n71"]
    assert document["educationalLevel"][0]["id"] == "https://w3id.org/kim/educationalLevel/level_A"
    assert amb_errors(document) == []


def test_a_resource_without_subject_areas_has_no_about_and_is_still_a_valid_amb_record() -> None:
    document = learning_resource(resource(areas=()), COLLECTION, PATHS)
    assert "about" not in document
    assert amb_errors(document) == []


def test_the_amb_schema_refuses_what_lectern_must_not_write() -> None:
    """The validator the tests rely on does reject: a subject outside the KIM vocabularies, a license as text."""
    document = learning_resource(resource(areas=("mathematics",)), COLLECTION, PATHS)
    wrong = {**document, "about": [{"id": "https://example.org/maths"}], "license": "CC-BY-4.0"}
    assert [error.split(":")[0] for error in amb_errors(wrong)] == ["about", "license"]


def test_a_collection_lists_its_parts() -> None:
    document = collection_document(COLLECTION, [resource("a"), resource("b")], PATHS)
    assert document["@type"] == "Collection" and document["maintainer"] == "Lucía Herrera"
    assert [part["url"] for part in document["hasPart"]] == [
        "https://oer.example.edu/fractions/a/",
        "https://oer.example.edu/fractions/b/",
    ]


def test_json_ld_cannot_close_its_script_element() -> None:
    text = script_json({"name": "</script><script>alert(1)</script> & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & more"}


def test_every_example_resource_is_a_valid_amb_record_with_a_subject_of_the_kim_vocabularies() -> None:
    site, problems = load_site(Path(__file__).parents[2] / "content")
    assert problems == [] and len(site.resources) == 17
    for example in site.resources:
        document = learning_resource(example, site.collection(example.collection), PATHS, site_name="Example")
        assert amb_errors(document) == [], example.source_path
        assert document["about"], example.source_path


def test_indented_json_is_the_text_json_writes_with_an_indent() -> None:
    """`script_json` builds indented JSON itself (json's indenting encoder is slow); it must be json's text."""
    documents = [
        learning_resource(resource(link="https://example.org/strips"), COLLECTION, PATHS, {"a.pdf": "application/pdf"}),
        {"nested": [[], {}, [{"a": ()}], (1, 2.5, -3, 1e300)], "flags": [True, False, None]},
        {"é <&>": 'quote " newline \n separator \u2028 nul \x00 emoji \U0001f600'},
        [],
        {},
        "text",
        7,
        {1: "a key that is not a string", None: 2},
    ]
    for document in documents:
        assert indented_json(document) == json.dumps(document, ensure_ascii=False, indent=2)
