"""The controlled vocabularies Lectern's metadata points into, read from the bundled files in `vocabulary_data/`.

Each is a SKOS concept scheme published by the DINI AG KIM OER metadata group (`vocabulary_data/README.md` says
where each file comes from): the school subjects (`schulfaecher`), the Hochschulfächersystematik (its first two
levels), the Higher Education Resource Types (HCRT) and the educational levels. A `Concept` is what the AMB profile
writes: its URI and its preferred labels by language. The files are read on first use, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "vocabulary_data"
SCHOOL_SUBJECTS = "http://w3id.org/kim/schulfaecher/"
HIGHER_EDUCATION_SUBJECTS = "https://w3id.org/kim/hochschulfaechersystematik/"
HCRT = "https://w3id.org/kim/hcrt/"
EDUCATIONAL_LEVEL = "https://w3id.org/kim/educationalLevel/"


@dataclass(frozen=True)
class Concept:
    id: str
    labels: tuple[tuple[str, str], ...]  # (language, preferred label), in the order the scheme gives them
    alternatives: tuple[str, ...] = ()  # other labels (German, in the KIM school subjects)

    def label(self, language: str) -> str | None:
        return dict(self.labels).get(language)

    def as_json(self) -> dict[str, Any]:
        """The concept as the AMB profile writes it: `{"id": URI, "type": "Concept", "prefLabel": {...}}`."""
        return {"id": self.id, "type": "Concept", "prefLabel": dict(sorted(self.labels))}


def _read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _concepts(name: str) -> dict[str, Concept]:
    """The scheme's concepts by their local name (`s1017`, `n37`, `textbook`, `level_1`)."""
    found = {}
    for entry in _read(name):
        alternatives = tuple(label for labels in entry.get("altLabel", {}).values() for label in labels)
        concept = Concept(entry["id"], tuple(entry["prefLabel"].items()), alternatives)
        found[concept.id.rsplit("/", 1)[1]] = concept
    return found


@cache
def school_subjects() -> dict[str, Concept]:
    return _concepts("schulfaecher.json")


@cache
def higher_education_subjects() -> dict[str, Concept]:
    return _concepts("hochschulfaechersystematik.json")


@cache
def resource_types() -> dict[str, Concept]:
    return _concepts("hcrt.json")


@cache
def educational_levels() -> dict[str, Concept]:
    return _concepts("educational_level.json")


@cache
def school_subject_names() -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Lectern's English names of each school subject, and its closest Studienbereich (a local name), if any."""
    table: dict[str, dict[str, Any]] = _read("school_subjects_en.json")
    return {key: (tuple(value["en"]), value.get("higher")) for key, value in table.items() if not key.startswith("_")}
