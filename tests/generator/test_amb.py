from __future__ import annotations

import pytest

from lectern.generator import amb
from lectern.generator.content_model import LEVELS, RESOURCE_TYPES
from lectern.generator.licenses import _OTHER_LICENSES, find_license
from lectern.generator.vocabularies import EDUCATIONAL_LEVEL, HCRT, educational_levels, resource_types
from tests.generator.amb_validation import amb_errors

MINIMAL = {
    "@context": ["https://w3id.org/kim/amb/context.jsonld", {"@language": "en"}],
    "id": "https://oer.example.edu/fractions/strips/",
    "type": ["LearningResource"],
    "name": "Fraction strips",
}


def test_every_lectern_type_is_a_concept_of_hcrt() -> None:
    assert sorted(amb.RESOURCE_TYPE_TO_HCRT) == sorted(RESOURCE_TYPES)
    for kind in RESOURCE_TYPES:
        (concept,) = amb.resource_type_concepts(kind)
        assert concept["id"].startswith(HCRT) and concept["prefLabel"]["en"] and concept["prefLabel"]["de"]
        assert amb_errors({**MINIMAL, "type": amb.types(kind), "learningResourceType": [concept]}) == []


def test_every_lectern_level_is_a_concept_of_kims_educational_levels() -> None:
    assert sorted(amb.LEVEL_TO_EDUCATIONAL_LEVEL) == sorted(LEVELS)
    concepts = amb.level_concepts(LEVELS)
    assert all(concept["id"].startswith(EDUCATIONAL_LEVEL) for concept in concepts)
    # adult education and professional development are both "Fortbildung": one concept, written once
    assert [c["id"].rsplit("/", 1)[1] for c in concepts] == [
        "level_0", "level_1", "level_2", "level_3", "level_A", "level_C",
    ]  # fmt: skip
    assert amb_errors({**MINIMAL, "educationalLevel": concepts}) == []


def test_the_mapping_tables_name_concepts_the_bundled_vocabularies_hold() -> None:
    assert set(amb.RESOURCE_TYPE_TO_HCRT.values()) <= set(resource_types())
    assert set(amb.LEVEL_TO_EDUCATIONAL_LEVEL.values()) <= set(educational_levels())


@pytest.mark.parametrize("identifier", ["CC-BY-4.0", "CC-BY-NC-SA-3.0", "CC0-1.0", "PDM-1.0", "MIT", "BSD-3-Clause",
                                        "BSD-2-Clause", "Apache-2.0", "GPL-3.0-or-later", "GFDL-1.3-only"])  # fmt: skip
def test_licenses_are_written_in_the_forms_ambs_schema_accepts(identifier: str) -> None:
    license = find_license(identifier)
    assert license is not None
    assert amb_errors({**MINIMAL, "license": amb.license_json(license)}) == []


def test_open_data_and_government_licenses_are_outside_what_amb_accepts() -> None:
    """AMB lists Creative Commons, GNU, Apache, MIT and BSD only: a resource under ODbL or the UK OGL keeps its
    license URI, and its record is not AMB-valid (docs/content-format.md says so)."""
    outside = [
        license.identifier
        for license in _OTHER_LICENSES
        if amb_errors({**MINIMAL, "license": amb.license_json(license)})
    ]
    assert outside == ["ODbL-1.0", "OGL-UK-3.0"]


def test_languages_are_two_letter_codes_and_a_language_without_one_has_none() -> None:
    assert amb.iso_639_1("pt-BR") == "pt" and amb.iso_639_1("es-419") == "es"
    assert amb.iso_639_1("haw") is None
    assert amb.context("haw") == [amb.AMB_CONTEXT, amb.SCHEMA_ORG]
