from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lectern.generator.content_loader import load_site

COLLECTION = "---\ntitle: Fractions\nsummary: Halves and quarters.\ncurator: Ms. Rivera\nlanguage: en\n---\nAbout.\n"
RESOURCE = """---
title: Fractions on a number line
summary: An interactive lesson.
link: https://example.org/fractions
license: CC-BY-4.0
language: en
level: primary
subjects: mathematics, fractions
type: lesson plan
tags: fractions, year_5
authors: Illustrative Mathematics
added: 2024-09-02
---
Use it after the pizza activity.
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "content"


def test_a_valid_collection_loads_into_the_content_model(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/number-line.md": RESOURCE})
    site, problems = load_site(content)
    assert problems == []
    (resource,) = site.resources
    assert resource.key == "fractions/number-line"
    assert resource.license.uri == "https://creativecommons.org/licenses/by/4.0/"
    assert resource.levels == ("primary",)
    assert resource.resource_type == "lesson plan"
    assert resource.added == datetime(2024, 9, 2, tzinfo=UTC)
    assert resource.notes == "Use it after the pizza activity."
    assert site.collection("fractions").curator == "Ms. Rivera"


def test_every_problem_in_a_file_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = (
        RESOURCE.replace("title: Fractions on a number line", "title:")
        .replace("https://example.org/fractions", "example.org")
        .replace("CC-BY-4.0", "CC-BY-5.0")
        .replace("level: primary", "level: kindergarten")
        .replace("added: 2024-09-02", "added: 2024-02-30")
    )
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/number-line.md": broken})
    site, problems = load_site(content)
    assert site.resources == ()
    found = {(p.line, p.field) for p in problems}
    assert found == {(2, "title"), (4, "link"), (5, "license"), (7, "level"), (12, "added")}
    assert all(p.path == "content/fractions/number-line.md" for p in problems)
    license_problem = next(p for p in problems if p.field == "license")
    assert "did you mean CC-BY-4.0" in license_problem.valid


def test_a_missing_required_field_is_named_with_an_example(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {"fractions/collection.md": COLLECTION, "fractions/a.md": RESOURCE.replace("license: CC-BY-4.0\n", "")},
    )
    _site, problems = load_site(content)
    assert [str(p) for p in problems] == [
        "content/fractions/a.md:1: license: is missing; add a line 'license: CC-BY-4.0' (an SPDX identifier)"
    ]


def test_a_resource_outside_any_collection_is_an_unknown_collection(tmp_path: Path) -> None:
    content = write(tmp_path, {"stray/a.md": RESOURCE, "loose.md": RESOURCE})
    _site, problems = load_site(content)
    assert [(p.path, p.field) for p in problems] == [
        ("content/loose.md", "collection"),
        ("content/stray/a.md", "collection"),
    ]
    assert "unknown collection" in problems[1].what


def test_two_resources_with_the_same_slug_are_a_duplicate(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/a.md": RESOURCE,
            "fractions/b.md": RESOURCE.replace("added:", "slug: a\nadded:"),
        },
    )
    site, problems = load_site(content)
    assert len(site.resources) == 1
    assert [(p.path, p.line, p.field) for p in problems] == [("content/fractions/b.md", 12, "slug")]
    assert "already used by content/fractions/a.md" in problems[0].what


def test_a_resource_needs_a_link_or_a_hosted_file_that_exists(tmp_path: Path) -> None:
    no_link = RESOURCE.replace("link: https://example.org/fractions\n", "")
    missing_file = no_link.replace("license:", "files: sheet.pdf, ../secret.txt\nlicense:")
    content = write(
        tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": no_link, "fractions/b.md": missing_file}
    )
    _site, problems = load_site(content)
    assert [(p.path, p.field) for p in problems] == [
        ("content/fractions/a.md", "link"),
        ("content/fractions/b.md", "files"),
        ("content/fractions/b.md", "files"),
    ]
    (content / "fractions" / "sheet.pdf").write_bytes(b"%PDF-1.4\n")
    _site, problems = load_site(content)
    assert [p.what for p in problems if p.path.endswith("b.md")] == [
        "'../secret.txt' points outside the collection's folder"
    ]


def test_collection_folder_names_must_be_handles_and_not_reserved(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {"Bad Name/collection.md": COLLECTION, "ap/collection.md": COLLECTION, "library/collection.md": COLLECTION},
    )
    _site, problems = load_site(content, reserved=frozenset({"library"}))
    assert [(p.path, p.field) for p in problems] == [
        ("content/Bad Name/collection.md", "folder"),
        ("content/ap/collection.md", "folder"),
        ("content/library/collection.md", "folder"),
    ]


def test_updated_before_added_and_future_dates_are_refused(tmp_path: Path) -> None:
    text = RESOURCE.replace("added: 2024-09-02", "added: 2024-09-02\nupdated: 2024-01-01")
    future = RESOURCE.replace("added: 2024-09-02", "added: 2031-01-01")
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": text, "fractions/b.md": future})
    _site, problems = load_site(content, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [(p.path, p.field, p.what) for p in problems] == [
        ("content/fractions/a.md", "updated", "is before the date in 'added'"),
        ("content/fractions/b.md", "added", "is in the future"),
    ]


def test_a_file_that_is_not_utf8_is_reported_not_raised(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION})
    (content / "fractions" / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    _site, problems = load_site(content)
    assert [(p.path, p.field) for p in problems] == [("content/fractions/latin1.md", "encoding")]


def test_a_classroom_collection_asks_before_followers_and_allows_no_quotes_unless_told(tmp_path: Path) -> None:
    classroom = COLLECTION.replace("language: en\n", "language: en\nclassroom: yes\n")
    content = write(tmp_path, {"year5/collection.md": classroom, "open/collection.md": COLLECTION})
    site, problems = load_site(content)
    assert problems == []
    assert (site.collection("year5").classroom, site.collection("year5").quotes) == (True, "nobody")
    assert (site.collection("open").classroom, site.collection("open").quotes) == (False, "everyone")
    told = classroom.replace("classroom: yes\n", "classroom: yes\nquotes: followers\n")
    site, problems = load_site(write(tmp_path, {"year5/collection.md": told}))
    assert problems == [] and site.collection("year5").quotes == "followers"


def test_an_unknown_quote_policy_names_the_choices(tmp_path: Path) -> None:
    wrong = COLLECTION.replace("language: en\n", "language: en\nquotes: friends\nclassroom: maybe\n")
    _site, problems = load_site(write(tmp_path, {"fractions/collection.md": wrong}))
    assert [(p.line, p.field, p.valid) for p in problems] == [
        (6, "quotes", "write one of: everyone, followers, nobody"),
        (7, "classroom", "write one of: yes, no"),
    ]
