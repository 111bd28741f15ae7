"""Real builds: what `lectern check` refuses, `lectern build` refuses too, and a hosted file is never a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from lectern.build import ContentProblems, build_site
from tests.conftest import copy_project, project_settings
from tests.generator.test_content_loader import COLLECTION, RESOURCE

HOSTED = RESOURCE.replace("link: https://example.org/fractions\n", "files: sheet.pdf\n")


def small_project(tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    project = copy_project(tmp_path / "project", empty)
    folder = project / "content" / "fractions"
    folder.mkdir()
    (folder / "collection.md").write_text(COLLECTION, encoding="utf-8")
    (folder / "a.md").write_text(HOSTED, encoding="utf-8")
    return project


def test_a_hosted_file_that_links_to_a_secret_stops_the_build_before_anything_is_written(tmp_path: Path) -> None:
    project = small_project(tmp_path)
    (tmp_path / "passwd").write_text("root:x:0:0:secret\n", encoding="utf-8")
    (project / "content" / "fractions" / "sheet.pdf").symlink_to(tmp_path / "passwd")
    settings = project_settings(project)
    with pytest.raises(ContentProblems) as raised:
        build_site(settings)
    assert [str(p).partition(";")[0] for p in raised.value.problems] == [
        "content/fractions/a.md:4: files: 'sheet.pdf' is a link to a file outside the collection's folder, "
        "which is never published"
    ]
    assert not settings.output_dir.exists()


def test_a_hosted_file_that_links_inside_the_collection_is_published_with_its_bytes(tmp_path: Path) -> None:
    project = small_project(tmp_path)
    folder = project / "content" / "fractions"
    (folder / "print").mkdir()
    (folder / "print" / "sheet-v2.pdf").write_bytes(b"%PDF-1.4 the worksheet\n")
    (folder / "sheet.pdf").symlink_to(Path("print") / "sheet-v2.pdf")
    settings = project_settings(project)
    build_site(settings)
    published = settings.output_dir / "fractions" / "files" / "sheet.pdf"
    assert published.read_bytes() == b"%PDF-1.4 the worksheet\n"
    assert not published.is_symlink()


@pytest.mark.parametrize(
    ("name", "text"),
    [("b.markdown", RESOURCE), ("page.html", "<html><head><title>x</title></head><body>hi</body></html>")],
)
def test_a_file_pelican_would_read_but_lectern_does_not_stops_the_build(tmp_path: Path, name: str, text: str) -> None:
    project = small_project(tmp_path)
    (project / "content" / "fractions" / "sheet.pdf").write_bytes(b"%PDF-1.4\n")
    (project / "content" / "fractions" / name).write_text(text, encoding="utf-8")
    with pytest.raises(ContentProblems) as raised:
        build_site(project_settings(project))
    assert [(p.path, p.field) for p in raised.value.problems] == [(f"content/fractions/{name}", "file")]
