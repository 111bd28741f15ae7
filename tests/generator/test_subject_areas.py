from __future__ import annotations

from pathlib import Path

from lectern.generator.content_loader import load_site
from lectern.generator.subject_areas import area_concepts, areas_from_subjects, find_area, suggest_areas
from lectern.generator.vocabularies import HIGHER_EDUCATION_SUBJECTS, SCHOOL_SUBJECTS, school_subjects

MATHEMATIK = SCHOOL_SUBJECTS + "s1017"


def ids(name: str, *levels: str) -> list[str]:
    return [concept.id for concept in area_concepts(name, levels)]


def test_an_area_is_found_by_its_english_or_german_name_in_any_case() -> None:
    for written in ("mathematics", "Mathematik", "MATHS", "math"):
        area = find_area(written)
        assert area is not None and area.school is not None and area.school.id == MATHEMATIK, written
    area = find_area("Erdkunde")  # a German alternative label of the school subject Geografie
    assert area is not None and area.name == "geography"


def test_every_school_subject_has_an_english_name() -> None:
    for concept in school_subjects().values():
        area = find_area(concept.label("de") or "")
        assert area is not None and area.school == concept and area.name.isascii(), concept


def test_a_subject_area_with_a_comma_in_its_label_is_written_with_and() -> None:
    area = find_area("physics and astronomy")
    assert area is not None and area.school is None
    assert area.higher is not None and area.higher.id == HIGHER_EDUCATION_SUBJECTS + "n39"


def test_the_levels_choose_the_school_subject_the_university_subject_or_both() -> None:
    assert ids("mathematics", "primary") == [MATHEMATIK]
    assert ids("mathematics", "higher education") == [HIGHER_EDUCATION_SUBJECTS + "n37"]
    assert ids("mathematics", "upper secondary", "higher education") == [MATHEMATIK, HIGHER_EDUCATION_SUBJECTS + "n37"]
    assert ids("mathematics", "adult education") == [MATHEMATIK]
    assert ids("physics and astronomy", "primary") == [HIGHER_EDUCATION_SUBJECTS + "n39"]
    assert ids("fractions", "primary") == []


def test_a_misspelled_area_gets_suggestions_with_the_german_label() -> None:
    assert suggest_areas("mathematcs")[0] == "mathematics (Mathematik)"
    assert suggest_areas("Physk")[0] == "physics (Physik)"
    assert suggest_areas("zzzz") == []


def test_areas_are_taken_from_the_free_text_subjects_that_name_one() -> None:
    assert areas_from_subjects(["mathematics", "fractions", "Mathematik", "physics"]) == ("mathematics", "physics")


RESOURCE = """---
title: Fraction strips
summary: A printable wall.
link: https://example.org/strips
license: CC-BY-4.0
language: en
level: primary
subjects: {subjects}
{areas}type: worksheet
authors: Lucía Herrera
added: 2024-09-02
---
"""


def site_with(tmp_path: Path, subjects: str, areas: str | None) -> Path:
    folder = tmp_path / "content" / "fractions"
    folder.mkdir(parents=True)
    (folder / "collection.md").write_text(
        "---\ntitle: Fractions\nsummary: Fractions.\ncurator: Lucía\nlanguage: en\n---\n", encoding="utf-8"
    )
    line = f"areas: {areas}\n" if areas is not None else ""
    (folder / "strips.md").write_text(RESOURCE.format(subjects=subjects, areas=line), encoding="utf-8")
    return tmp_path / "content"


def test_a_resource_names_its_areas(tmp_path: Path) -> None:
    site, problems = load_site(site_with(tmp_path, "fractions", "Mathematik, art"))
    assert problems == []
    assert site.resources[0].areas == ("mathematics", "art")


def test_without_areas_the_subjects_give_them_and_nothing_is_required(tmp_path: Path) -> None:
    site, problems = load_site(site_with(tmp_path, "maths, fractions", None))
    assert problems == [] and site.resources[0].areas == ("mathematics",)
    other, problems = load_site(site_with(tmp_path / "other", "fractions", None))
    assert problems == [] and other.resources[0].areas == ()


def test_an_unknown_area_is_a_problem_naming_the_line_and_suggesting_the_vocabulary_label(tmp_path: Path) -> None:
    _, problems = load_site(site_with(tmp_path, "fractions", "mathematcs"))
    assert [str(problem) for problem in problems] == [
        "content/fractions/strips.md:9: areas: 'mathematcs' is not a subject area Lectern knows; did you mean "
        "mathematics (Mathematik)? write one or more subject areas in English or German, e.g. 'areas: mathematics' "
        "or 'areas: Informatik': a KIM school subject or a subject area of the Hochschulfächersystematik (see "
        "'Subject areas' in docs/content-format.md); your own words belong in 'subjects'"
    ]


def test_areas_listing_nothing_is_a_problem(tmp_path: Path) -> None:
    _, problems = load_site(site_with(tmp_path, "fractions", ","))
    assert [(problem.line, problem.field) for problem in problems] == [(9, "areas")]
