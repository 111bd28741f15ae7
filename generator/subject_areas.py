"""Subject areas: the `areas:` field, a resource's subjects from controlled vocabularies.

The AMB profile (and OER search engines such as OERSI that read it) want a resource's subject as a concept of the
KIM school subjects or of the Hochschulfächersystematik. An educator writes a subject area's name, in English or in
German (`mathematics`, `Mathematik`, `computer science`, `Informatik`, `physics and astronomy`); an `Area` holds the
school subject and the higher-education subject area it stands for, and `area_concepts` picks between them by the
resource's levels. A name Lectern does not know gets suggestions from every label, English and German.

The free-text `subjects` stay the educator's own words; when `areas:` is left out, `areas_from_subjects` takes the
subjects that are names of areas (`subjects: mathematics, fractions` gives the area `mathematics`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lectern.generator.field_rules import FieldReader, split_list
from lectern.generator.vocabularies import Concept, higher_education_subjects, school_subject_names, school_subjects

SCHOOL_LEVELS = frozenset({"early childhood", "primary", "lower secondary", "upper secondary"})
HIGHER_LEVEL = "higher education"


@dataclass(frozen=True)
class Area:
    name: str  # what Lectern writes back in suggestions: the English name, lower case
    school: Concept | None
    higher: Concept | None

    def described(self) -> str:
        """`mathematics (Mathematik)`: the name with the German label of its concept, for suggestions."""
        concept = self.school or self.higher
        german = concept.label("de") if concept else None
        return f"{self.name} ({german})" if german and german.lower() != self.name else self.name


def normalise(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


def _names_of(concept: Concept) -> list[str]:
    """Every label of a concept an educator could write: a label with commas (`Physics, Astronomy`) also with
    `and` (`physics and astronomy`), since commas separate the field's values."""
    names = []
    for label in [text for _, text in concept.labels] + list(concept.alternatives):
        names.append(label)
        if "," in label:
            names.append(label.replace(", ", " and ").replace(",", " and "))
    return [name for name in names if "," not in name]


@cache
def areas() -> dict[str, Area]:
    """Every area by each of its normalised names; a school subject's names come first, so `Mathematik` is the
    school subject (whose higher-education area is the Studienbereich Mathematik)."""
    higher = higher_education_subjects()
    found: dict[str, Area] = {}
    for key, concept in school_subjects().items():
        names, closest = school_subject_names().get(key, ((), None))
        display = names[0] if names else normalise(concept.label("de") or key)
        area = Area(display, concept, higher.get(closest or ""))
        for name in [*names, *_names_of(concept)]:
            found.setdefault(normalise(name), area)
    for concept in higher.values():
        labels = _names_of(concept)
        english = concept.label("en")
        display = normalise(english.replace(", ", " and ")) if english else normalise(labels[0])
        area = Area(display, None, concept)
        for name in labels:
            found.setdefault(normalise(name), area)
    return found


def find_area(text: str) -> Area | None:
    return areas().get(normalise(text))


def suggest_areas(text: str, limit: int = 3) -> list[str]:
    """The closest areas to a name Lectern does not know, as `name (German label)`."""
    close = difflib.get_close_matches(normalise(text), list(areas()), n=limit * 3, cutoff=0.6)
    described = dict.fromkeys(areas()[name].described() for name in close)
    return list(described)[:limit]


def areas_from_subjects(subjects: Iterable[str]) -> tuple[str, ...]:
    """The areas named by free-text subjects (the rest are the educator's own words)."""
    found = (find_area(subject) for subject in subjects)
    return tuple(dict.fromkeys(area.name for area in found if area is not None))


def area_concepts(name: str, levels: Iterable[str]) -> list[Concept]:
    """The concepts an area stands for at these levels: the school subject at school levels (or when it has no
    higher-education area), the higher-education subject area at `higher education` (or when it is all there is)."""
    area = find_area(name)
    if area is None:
        return []
    levels = frozenset(levels)
    chosen = []
    if area.school and (levels & SCHOOL_LEVELS or HIGHER_LEVEL not in levels or area.higher is None):
        chosen.append(area.school)
    if area.higher and (HIGHER_LEVEL in levels or area.school is None):
        chosen.append(area.higher)
    return chosen


def read_areas(reader: FieldReader, subjects: Iterable[str]) -> tuple[str, ...]:
    """The `areas:` field of a resource (each value a known area, or a problem with suggestions); when it is left
    out, the areas its free-text `subjects` name."""
    example = "write one or more subject areas in English or German, e.g. 'areas: mathematics' or 'areas: Informatik'"
    field = reader.raw("areas", False, "")
    if field is None:
        return areas_from_subjects(subjects)
    values = split_list(field.value)
    if not values:
        reader.nothing_listed(field, example)
    chosen = []
    for value in values:
        area = find_area(value)
        if area is not None:
            chosen.append(area.name)
            continue
        close = suggest_areas(value)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        reader.problem(
            field.line,
            "areas",
            f"{value!r} is not a subject area Lectern knows",
            f"{hint}{example}: a KIM school subject or a subject area of the Hochschulfächersystematik "
            "(see 'Subject areas' in docs/content-format.md); your own words belong in 'subjects'",
        )
    return tuple(dict.fromkeys(chosen))
