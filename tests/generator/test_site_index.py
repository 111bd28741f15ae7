from __future__ import annotations

from lectern.generator.site_index import collection_index, facets, index_path
from tests.generator.theme_examples import COLLECTION, PATHS, resource


def test_the_index_lists_what_the_filter_needs_in_page_order() -> None:
    resources = [resource("b"), resource("a", language="es", levels=("primary",), resource_type="simulation")]
    index = collection_index(COLLECTION, resources, PATHS)
    assert index_path("fractions") == "fractions/resources.json"
    assert [entry["key"] for entry in index["resources"]] == ["fractions/b", "fractions/a"]
    entry = index["resources"][1]
    assert entry["url"] == "https://oer.example.edu/fractions/a/"
    assert (entry["level"], entry["type"], entry["language"], entry["license"]) == (
        ["primary"],
        "simulation",
        "es",
        "CC-BY-SA-4.0",
    )
    assert entry["added"] == "2024-09-02" and entry["updated"] == "2025-01-13"


def test_only_filters_with_a_choice_are_offered_in_the_content_format_order() -> None:
    resources = [
        resource("a", levels=("upper secondary",), resource_type="video"),
        resource("b", levels=("primary", "upper secondary"), resource_type="textbook", license="CC0-1.0"),
    ]
    found = {facet.name: facet.options for facet in facets(resources)}
    assert found == {
        "level": (("primary", "Primary"), ("upper secondary", "Upper secondary")),
        "type": (("textbook", "Textbook"), ("video", "Video")),
        "license": (("CC-BY-SA-4.0", "CC BY-SA 4.0"), ("CC0-1.0", "CC0 1.0")),
    }
