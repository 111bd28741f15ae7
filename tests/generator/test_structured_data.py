from __future__ import annotations

import json

from generator.structured_data import collection_document, learning_resource, script_json
from tests.generator.theme_examples import COLLECTION, PATHS, resource


def test_a_resource_is_a_learning_resource_with_its_license_uri_and_files() -> None:
    document = learning_resource(
        resource(link="https://example.org/strips"), COLLECTION, PATHS, {"strips.pdf": "application/pdf"}
    )
    assert document["@type"] == "LearningResource"
    assert document["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert document["url"] == document["@id"] == "https://oer.example.edu/fractions/strips/"
    assert document["sameAs"] == "https://example.org/strips"
    assert document["educationalLevel"] == ["primary", "lower secondary"]
    assert document["datePublished"] == "2024-09-02T00:00:00+00:00"
    assert document["dateModified"] == "2025-01-13T09:30:00+00:00"
    assert document["encoding"] == [
        {
            "@type": "MediaObject",
            "name": "strips.pdf",
            "encodingFormat": "application/pdf",
            "contentUrl": "https://oer.example.edu/fractions/files/strips.pdf",
        }
    ]
    assert document["isPartOf"]["url"] == "https://oer.example.edu/fractions/"


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
