"""What `lectern check` refuses instead of crashing, or instead of letting the build fail or publish by surprise."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import pytest

from lectern.generator.content_loader import load_site
from lectern.generator.errors import Problem
from lectern.generator.field_rules import parse_date
from tests.generator.test_content_loader import COLLECTION, RESOURCE, write


def problems_of(tmp_path: Path, files: dict[str, str]) -> list[Problem]:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, **files})
    _site, problems = load_site(content)
    return problems


def found(problems: list[Problem]) -> list[tuple[str, int, str]]:
    return [(p.path.removeprefix("content/fractions/"), p.line, p.field) for p in problems]


HOSTED = RESOURCE.replace("link: https://example.org/fractions\n", "files: {files}\n")


# 1. Only regular files inside the collection's folder are published


def test_a_file_that_links_outside_the_collection_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": HOSTED.format(files="x.txt")})
    (content / "fractions" / "x.txt").symlink_to(secret)
    _site, problems = load_site(content)
    assert found(problems) == [("a.md", 4, "files")]
    assert problems[0].what == "'x.txt' is a link to a file outside the collection's folder, which is never published"
    assert problems[0].valid == "copy the file itself (not a link to it) into fractions/"


def test_a_collection_image_that_links_outside_is_refused(tmp_path: Path) -> None:
    content = write(
        tmp_path, {"fractions/collection.md": COLLECTION.replace("language: en", "language: en\nimage: c.png")}
    )
    (tmp_path / "elsewhere.png").write_bytes(b"\x89PNG")
    (content / "fractions" / "c.png").symlink_to(tmp_path / "elsewhere.png")
    _site, problems = load_site(content)
    assert found(problems) == [("collection.md", 6, "image")]
    assert "outside the collection's folder" in problems[0].what


@pytest.mark.parametrize("name", ["/etc/passwd", "../secret.txt", "sub/../../secret.txt"])
def test_a_path_out_of_the_collection_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "secret.txt").write_text("x", encoding="utf-8")
    problems = problems_of(tmp_path, {"fractions/a.md": HOSTED.format(files=name)})
    assert found(problems) == [("a.md", 4, "files")]
    assert "outside the collection's folder" in problems[0].what


def test_a_link_inside_the_collection_to_a_regular_file_is_published(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": HOSTED.format(files="b.pdf")})
    (content / "fractions" / "sheets").mkdir()
    (content / "fractions" / "sheets" / "sheet.pdf").write_bytes(b"%PDF-1.4\n")
    (content / "fractions" / "b.pdf").symlink_to(Path("sheets") / "sheet.pdf")
    site, problems = load_site(content)
    assert problems == []
    assert site.resources[0].files == ("b.pdf",)


def test_a_folder_or_a_device_is_not_a_file_to_publish(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": HOSTED.format(files="sheets")})
    (content / "fractions" / "sheets").mkdir()
    _site, problems = load_site(content)
    assert [(p.field, p.what) for p in problems] == [("files", "'sheets' in fractions/ is not a file")]
    if hasattr(os, "mkfifo"):
        os.mkfifo(content / "fractions" / "pipe")
        (content / "fractions" / "a.md").write_text(HOSTED.format(files="pipe"), encoding="utf-8")
        _site, problems = load_site(content)
        assert [(p.field, p.what) for p in problems] == [("files", "'pipe' in fractions/ is not a file")]


def test_a_link_loop_or_a_name_too_long_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": HOSTED.format(files="loop")})
    (content / "fractions" / "loop").symlink_to(content / "fractions" / "loop")
    (content / "fractions" / "b.md").write_text(HOSTED.format(files="a" * 600), encoding="utf-8")
    _site, problems = load_site(content)
    assert found(problems) == [("a.md", 4, "files"), ("b.md", 4, "files")]
    assert all("cannot be opened" in p.what for p in problems)


# 2. Dates outside a sane range, a list of nothing where one value is needed


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31"])
def test_a_date_outside_1900_to_2200_is_refused_not_an_overflow(tmp_path: Path, date: str) -> None:
    problems = problems_of(tmp_path, {"fractions/a.md": RESOURCE.replace("added: 2024-09-02", f"added: {date}")})
    assert found(problems) == [("a.md", 12, "added")]
    assert f"the year {int(date[:4])} is outside 1900 to 2200" == problems[0].what
    assert parse_date(date, UTC) is None  # the build's reader gets no date either


def test_the_first_and_last_allowed_years_still_work_across_time_zones() -> None:
    assert parse_date("1900-01-01T00:00:00+14:00", UTC) is not None
    assert parse_date("2200-12-31T23:59:59-14:00", UTC) is not None


# 3. A required list must list something


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("level: primary", 7),
        ("subjects: mathematics, fractions", 8),
        ("type: lesson plan", 9),
        ("authors: Illustrative Mathematics", 11),
    ],
)
@pytest.mark.parametrize("nothing", [",", " , ,", ",,,"])
def test_a_required_list_of_only_commas_is_refused(tmp_path: Path, line: str, number: int, nothing: str) -> None:
    name = line.partition(":")[0]
    problems = problems_of(tmp_path, {"fractions/a.md": RESOURCE.replace(line, f"{name}:{nothing}")})
    assert found(problems) == [("a.md", number, name)]
    assert problems[0].what.startswith("lists nothing")


def test_files_of_only_commas_or_an_empty_link_is_neither_a_link_nor_files(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        {
            "fractions/a.md": HOSTED.format(files=", ,"),
            "fractions/b.md": RESOURCE.replace("link: https://example.org/fractions", "link:"),
        },
    )
    assert found(problems) == [("a.md", 4, "files"), ("b.md", 4, "link")]
    assert problems[0].what == "lists nothing (', ,')"
    assert problems[1].what == "the resource has neither a link nor files"


def test_optional_tags_of_only_commas_are_no_tags(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/a.md": RESOURCE.replace("tags: fractions, year_5", "tags: ,"),
        },
    )
    site, problems = load_site(content)
    assert problems == []
    assert site.resources[0].tags == ()


# 4. Invisible characters and strict links, through the loader


def test_a_control_character_in_a_file_name_is_reported_once_and_not_looked_up(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, {"fractions/a.md": HOSTED.format(files="sheet\x00.pdf")})
    assert [(p.line, p.field) for p in problems] == [(4, "files")]
    assert "U+0000 (NULL)" in problems[0].what


def test_a_link_with_an_invalid_port_or_a_space_is_refused(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        {
            "fractions/a.md": RESOURCE.replace("https://example.org/fractions", "https://x:99999/"),
            "fractions/b.md": RESOURCE.replace("https://example.org/fractions", "https://example.org/two words"),
        },
    )
    assert found(problems) == [("a.md", 4, "link"), ("b.md", 4, "link")]
    assert "the port after ':' must be a number from 1 to 65535" in problems[0].what
    assert "it contains a space" in problems[1].what


# 5. Every surprise is an error


@pytest.mark.parametrize(
    "name", ["b.markdown", "b.mkd", "b.MD", "b.rst", "b.html", "b.htm", "sub/b.html", ".b.markdown", ".old/b.rst"]
)
def test_a_file_the_site_builder_would_read_but_lectern_does_not_is_refused(tmp_path: Path, name: str) -> None:
    problems = problems_of(tmp_path, {"fractions/a.md": RESOURCE, f"fractions/{name}": RESOURCE})
    assert found(problems) == [(name, 1, "file")]
    assert "Lectern reads only .md files" in problems[0].what
    stem = name.rpartition("/")[2].rpartition(".")[0]
    assert f"{stem}.md" in problems[0].valid


def test_a_resource_in_a_hidden_folder_is_refused_as_the_site_builder_would_read_it(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, {"fractions/a.md": RESOURCE, ".drafts/b.md": RESOURCE})
    assert [(p.path, p.field) for p in problems] == [("content/.drafts/b.md", "collection")]
    assert "the folder .drafts/ is hidden" in problems[0].what


def test_a_stray_html_file_directly_in_content_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, {"fractions/a.md": RESOURCE, "index.html": "<p>hi</p>"})
    assert [(p.path, p.field) for p in problems] == [("content/index.html", "file")]


def test_a_file_name_with_a_space_is_refused_for_a_resource_and_for_a_hosted_file(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/My lesson.md": RESOURCE.replace("added:", "slug: my-lesson\nadded:"),
            "fractions/a.md": HOSTED.format(files="work sheet.pdf"),
        },
    )
    (content / "fractions" / "work sheet.pdf").write_bytes(b"%PDF-1.4\n")
    _site, problems = load_site(content)
    assert found(problems) == [("My lesson.md", 1, "file name"), ("a.md", 4, "files")]
    assert problems[0].valid == "rename the file without spaces, e.g. 'my-lesson.md'"
    assert "'work-sheet.pdf'" in problems[1].valid


@pytest.mark.parametrize(("name", "char"), [("sheet#1.pdf", "#"), ("what?.pdf", "?"), ("100%.pdf", "%")])
def test_a_hosted_file_name_that_would_break_its_address_is_refused(tmp_path: Path, name: str, char: str) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": HOSTED.format(files=name)})
    (content / "fractions" / name).write_bytes(b"%PDF-1.4\n")
    _site, problems = load_site(content)
    assert found(problems) == [("a.md", 4, "files")]
    assert f"has {char!r}, which cannot be part of its web address" in problems[0].what


NOTES = HOSTED.format(files="strips.svg")


@pytest.mark.parametrize(
    "picture",
    [
        "![strips](../files/strips.svg)",
        "![strips](https://example.org/strips.svg)",
        "![strips][wall]\n\n[wall]: ../files/strips.svg",
        '<img src="../files/strips.svg" alt="strips">',
        "`![not a picture](strips.svg)`",
        "```\n![not a picture](strips.svg)\n```",
    ],
)
def test_a_picture_in_the_notes_that_the_site_publishes_is_accepted(tmp_path: Path, picture: str) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": NOTES + picture + "\n"})
    (content / "fractions" / "strips.svg").write_text("<svg/>", encoding="utf-8")
    _site, problems = load_site(content)
    assert problems == []


@pytest.mark.parametrize(
    "picture",
    [
        "![strips](strips.svg)",
        "![strips](../files/other.svg)",
        "![strips](/home/teacher/strips.svg)",
        "![strips](http://example.org/strips.svg)",
        "![strips](file:///C:/Users/teacher/strips.svg)",
        "![strips][wall]\n\n[wall]: strips.svg",
        '<img alt="strips" src="C:\\strips.svg">',
    ],
)
def test_a_picture_in_the_notes_that_is_not_published_is_refused(tmp_path: Path, picture: str) -> None:
    content = write(
        tmp_path, {"fractions/collection.md": COLLECTION, "fractions/a.md": NOTES + "Intro.\n" + picture + "\n"}
    )
    (content / "fractions" / "strips.svg").write_text("<svg/>", encoding="utf-8")
    _site, problems = load_site(content)
    assert found(problems) == [("a.md", 16, "text")]
    assert "is not published with the site" in problems[0].what
    assert "list it under 'files:' and write it as ../files/" in problems[0].valid


def test_a_picture_in_a_collection_description_may_show_a_file_its_resources_host(tmp_path: Path) -> None:
    description = COLLECTION.replace("About.", "About.\n\n![strips](files/strips.svg)\n![lost](lost.png)")
    content = write(tmp_path, {"fractions/collection.md": description, "fractions/a.md": NOTES})
    (content / "fractions" / "strips.svg").write_text("<svg/>", encoding="utf-8")
    _site, problems = load_site(content)
    assert found(problems) == [("collection.md", 10, "text")]
    assert "'lost.png'" in problems[0].what
