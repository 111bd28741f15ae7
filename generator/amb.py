"""Lectern's metadata in the terms of AMB, the DINI AG KIM "Allgemeines Metadatenprofil für Bildungsressourcen"
(https://w3id.org/kim/amb/20231019, its JSON schema in tests/generator/amb_schema/): what OER search engines such as
OERSI and WLO harvest.

AMB is schema.org with controlled vocabularies: the resource type is a concept of HCRT, the level one of KIM's
educational levels, the subject one of the KIM school subjects or the Hochschulfächersystematik
(`generator.subject_areas`). This module holds the mapping tables from Lectern's fixed values to those concepts and
the small conversions AMB asks for (a language as an ISO 639-1 code, a license as `{"id": URI}` in the URI forms the
schema accepts, authors as `Person`s). Pure functions; `generator.structured_data` assembles the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lectern.generator.licenses import License
from lectern.generator.subject_areas import area_concepts
from lectern.generator.vocabularies import Concept, educational_levels, resource_types

AMB_CONTEXT = "https://w3id.org/kim/amb/context.jsonld"
SCHEMA_ORG = "https://schema.org"

# Lectern's `type` -> the HCRT concept (https://w3id.org/kim/hcrt/scheme) and, where schema.org has one that AMB's
# `type` list accepts, the CreativeWork subtype beside `LearningResource`.
RESOURCE_TYPE_TO_HCRT = {
    "textbook": "textbook",
    "course": "course",
    "lesson plan": "lesson_plan",
    "lecture": "script",  # lecture notes ("Skript"); a recorded lecture is better typed `video`
    "video": "video",
    "audio": "audio",
    "slides": "slide",
    "worksheet": "worksheet",
    "exercise": "drill_and_practice",
    "assessment": "assessment",
    "simulation": "simulation",
    "interactive": "application",
    "reading": "text",
    "image": "image",
    "dataset": "data",
    "tool": "application",
    "other": "other",
}
RESOURCE_TYPE_TO_SCHEMA_ORG = {
    "textbook": "Book",
    "course": "Course",
    "video": "VideoObject",
    "audio": "AudioObject",
    "slides": "PresentationDigitalDocument",
    "image": "ImageObject",
    "reading": "TextDigitalDocument",
}
# Lectern's `level` -> KIM's educational level (https://w3id.org/kim/educationalLevel/, ISCED 2011 based).
# KIM has no adult education: both it and professional development become "Fortbildung" (advanced training).
LEVEL_TO_EDUCATIONAL_LEVEL = {
    "early childhood": "level_0",
    "primary": "level_1",
    "lower secondary": "level_2",
    "upper secondary": "level_3",
    "higher education": "level_A",
    "adult education": "level_C",
    "professional development": "level_C",
}
# AMB's license schema accepts Creative Commons, GNU, Apache, MIT and BSD addresses, the last two only in these forms.
AMB_LICENSE_URIS = {
    "MIT": "https://opensource.org/licenses/MIT",
    "BSD-2-Clause": "https://www.opensource.org/licenses/BSD-2-Clause",
    "BSD-3-Clause": "https://www.opensource.org/licenses/BSD-3-Clause",
}


def context(language: str) -> list[Any]:
    """AMB's context, schema.org's, and the language of the texts (AMB requires `@language`)."""
    code = iso_639_1(language)
    return [AMB_CONTEXT, SCHEMA_ORG, *([{"@language": code}] if code else [])]


def iso_639_1(language: str) -> str | None:
    """`pt-BR` -> `pt`: AMB writes languages as two-letter ISO 639-1 codes; a language without one has none."""
    primary = language.split("-")[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def types(resource_type: str) -> list[str]:
    extra = RESOURCE_TYPE_TO_SCHEMA_ORG.get(resource_type)
    return ["LearningResource", *([extra] if extra else [])]


def _json(concepts: Iterable[Concept]) -> list[dict[str, Any]]:
    return [concept.as_json() for concept in dict.fromkeys(concepts)]


def resource_type_concepts(resource_type: str) -> list[dict[str, Any]]:
    return _json([resource_types()[RESOURCE_TYPE_TO_HCRT[resource_type]]])


def level_concepts(levels: Sequence[str]) -> list[dict[str, Any]]:
    return _json(educational_levels()[LEVEL_TO_EDUCATIONAL_LEVEL[level]] for level in levels)


def subject_concepts(areas: Sequence[str], levels: Sequence[str]) -> list[dict[str, Any]]:
    return _json(concept for area in areas for concept in area_concepts(area, levels))


def license_json(license: License) -> dict[str, str]:
    return {"id": AMB_LICENSE_URIS.get(license.identifier, license.uri)}


def creators(authors: Sequence[str]) -> list[dict[str, str]]:
    """Authors as AMB `creator`s. The content format does not say whether an author is a person or an organisation
    (`OpenStax`); AMB needs one of the two, and most authors are people."""
    return [{"type": "Person", "name": name} for name in authors]
