"""Random front matter through `lectern check`: it refuses or accepts, never crashes, never accepts a required field
empty, and whatever it accepts also builds (and whatever it refuses, the build refuses too)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lectern.build import ContentProblems, build_site
from lectern.cli import main
from lectern.generator.content_loader import load_site
from tests.conftest import copy_project, project_settings
from tests.generator.test_content_loader import COLLECTION

SECRET = "root:x:0:0:the secret a link must never publish"
VALID = {
    "title": "Fractions on a number line",
    "summary": "An interactive lesson.",
    "link": "https://example.org/fractions",
    "license": "CC-BY-4.0",
    "language": "en",
    "level": "primary",
    "subjects": "mathematics, fractions",
    "type": "lesson plan",
    "tags": "fractions, year_5",
    "authors": "Illustrative Mathematics",
    "added": "2024-09-02",
}
NAMES = [*VALID, "files", "updated", "slug", "image", "Title", "notes", "x-custom"]
TRICKY = [
    "",
    ",",
    " , ,",
    "\x00",
    "a\x1bb",
    "\x7f",
    "\x9b",
    "left\u202eright",
    "in\ufeffside",
    "line\u2028separator",
    "tab\there",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-02-30",
    "2024-09-02T14:30:00+02:00",
    "2200-01-01",
    "https://x:99999/",
    "https://x.org:0/",
    "https://a b/",
    "https://[nope]/",
    "http://127.0.0.1:8000/",
    "javascript:alert(1)",
    "sheet.pdf",
    "sheet.pdf, ,",
    "outside.txt",
    "../collection.md",
    "/etc/passwd",
    "sheets",
    "work sheet.pdf",
    "CC-BY-5.0",
    "cc by sa 4.0",
    "pt-BR",
    "primary, ,",
    "kindergarten",
    "#",
    "#1",
    "_",
    "a" * 600,
    "UPPER-case",
]
values = st.one_of(st.sampled_from(TRICKY), st.sampled_from(list(VALID.values())), st.text(max_size=40))
changes = st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), values), max_size=4)
extra_lines = st.just([]) | st.lists(
    st.one_of(
        st.sampled_from(["    tags: hidden", "\ttags: hidden", "  ", "not a field", "---", "title: again"]), st.text()
    ),
    max_size=2,
)
notes = st.one_of(
    st.just("Use it after the pizza activity."),
    st.sampled_from(["![](strips.svg)", "![](../files/sheet.pdf)", "<img src=/etc/passwd>", "```\n![](x.png)\n```"]),
    st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=80),
    st.text(max_size=80),
)
PROBLEM_LINE = re.compile(r"^content/\S.*:\d+: [^:]+: .+; .+$")


def resource_text(change: dict[str, str | None], extra: list[str], body: str) -> str:
    fields = dict(VALID)
    for name, value in change.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    lines = [f"{name}: {value}" for name, value in fields.items()] + extra
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One project for every example: a valid collection, a hosted file, a folder, and a link to a secret outside."""
    root = tmp_path_factory.mktemp("fuzz")
    empty = root / "empty"
    empty.mkdir()
    project = copy_project(root / "project", empty)
    folder = project / "content" / "fractions"
    folder.mkdir()
    (folder / "collection.md").write_text(COLLECTION, encoding="utf-8")
    (folder / "sheet.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "work sheet.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "sheets").mkdir()
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "outside.txt").symlink_to(root / "secret.txt")
    yield project
    shutil.rmtree(root, ignore_errors=True)


def check(project: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["--settings", str(project / "pelicanconf.py"), "check"])  # an exception fails the test
    return status, err.getvalue()


def assert_nothing_required_is_empty(project: Path) -> None:
    site, problems = load_site(project / "content")
    assert problems == []
    (resource,) = site.resources
    for text in (resource.title, resource.summary, resource.resource_type, resource.language):
        assert text.strip() and text != "und"
    for listed in (resource.levels, resource.subjects, resource.authors):
        assert listed and all(item.strip() for item in listed)
    assert resource.link or resource.files


FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(change=changes, extra=extra_lines, body=notes)
def test_check_refuses_or_accepts_random_front_matter_and_never_crashes(
    project: Path, change: dict[str, str | None], extra: list[str], body: str
) -> None:
    (project / "content" / "fractions" / "a.md").write_text(resource_text(change, extra, body), encoding="utf-8")
    status, errors = check(project)
    event("accepted" if status == 0 else "refused")
    if status == 0:
        assert errors == ""
        assert_nothing_required_is_empty(project)
        return
    assert status == 1
    *reported, summary = errors.splitlines()
    assert summary.endswith("found; nothing was built.")
    assert reported and all(PROBLEM_LINE.match(line) for line in reported), reported


# The recursion limit changes during a real build; Hypothesis then warns that it will not reset it (harmless here).
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(
    max_examples=20,
    deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change=st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), values), max_size=2), body=notes)
def test_whatever_check_accepts_builds_and_whatever_it_refuses_the_build_refuses(
    project: Path, change: dict[str, str | None], body: str
) -> None:
    (project / "content" / "fractions" / "a.md").write_text(resource_text(change, [], body), encoding="utf-8")
    status, _errors = check(project)
    event("accepted and built" if status == 0 else "refused by both")
    site_settings = project_settings(project)
    shutil.rmtree(site_settings.output_dir, ignore_errors=True)
    if status == 1:
        with pytest.raises(ContentProblems):
            build_site(site_settings)
        assert not site_settings.output_dir.exists()
        return
    report = build_site(site_settings)
    assert report.resources == 1
    published = [p for p in site_settings.output_dir.rglob("*") if p.is_file()]
    assert all(SECRET.encode() not in p.read_bytes() for p in published)
