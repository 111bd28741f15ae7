"""After an edit of a resource's notes, a rebuild renders only what shows them, and gives a full build's bytes.

Each test builds the example project, edits it, builds again, and tells whether the second build was a quick one
(`lectern.quick_rebuild`: Pelican's whole run, `lectern.build._run_pelican`, never starts) or a build as before;
then it compares every file of the output with a build of the same content from nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lectern import build
from lectern.build import ContentProblems, build_site
from lectern.build_cache import cache_root
from lectern.quick_rebuild import SNAPSHOT_FILE
from lectern.settings import Settings
from tests.conftest import project_settings
from tests.lectern.test_build_cache import assert_same_as_fresh_build, tree

NOTES = "Chapters 1 to 7 are our first term"
THINK_PYTHON = Path("content/python-basics/think-python.md")


@pytest.fixture(autouse=True)
def quick_rebuilds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LECTERN_QUICK_REBUILD", "1")  # (off in the other tests: tests/conftest.py)


@pytest.fixture
def full_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per build that ran Pelican over the whole site."""
    runs: list[int] = []
    original: Callable[..., Any] = build._run_pelican

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(build, "_run_pelican", counted)
    return runs


def edit(project: Path, relative: Path, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def written_an_hour_ago(folder: Path) -> None:
    """As content is when its curator builds it: a file changed just before a build may change again unnoticed
    within the file system's clock tick, so a quick rebuild would read it again (`lectern.content_state`)."""
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in folder.rglob("*"):
        os.utime(path, ns=(an_hour_ago, an_hour_ago))


def built(project: Path, tmp_path: Path) -> Settings:
    written_an_hour_ago(project / "content")
    settings = project_settings(project)
    build_site(settings)
    return settings


def page(settings: Settings, collection: str, slug: str) -> str:
    return (settings.output_dir / collection / slug / "index.html").read_text(encoding="utf-8")


def test_an_edit_of_the_notes_renders_the_page_and_the_feeds_alone(
    project: Path, tmp_path: Path, full_runs: list[int]
) -> None:
    settings = built(project, tmp_path)
    before = tree(settings.output_dir)
    edit(project, THINK_PYTHON, NOTES, "Chapters 1 to 9, after the *autumn* review")
    build_site(settings)
    assert full_runs == [1]  # the first build only
    assert "Chapters 1 to 9, after the <em>autumn</em> review" in page(settings, "python-basics", "think-python")
    after = tree(settings.output_dir)
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed == [
        "feeds/all.atom.xml",
        "feeds/python-basics.atom.xml",
        "python-basics/think-python/index.html",
    ]
    assert_same_as_fresh_build(settings, tmp_path)


def test_edits_one_after_another_stay_quick_and_identical(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "First edit")
    build_site(settings)
    edit(project, THINK_PYTHON, "First edit", "Second edit, the same length..")
    fractions = Path("content/fractions/fraction-strips.md")
    text = (project / fractions).read_text(encoding="utf-8")
    (project / fractions).write_text(text + "\nA closing line of notes.\n", encoding="utf-8")
    build_site(settings)
    build_site(settings)  # nothing changed since: nothing is rendered
    assert full_runs == [1]
    assert "Second edit, the same length.." in page(settings, "python-basics", "think-python")
    assert "A closing line of notes." in page(settings, "fractions", "fraction-strips")
    assert_same_as_fresh_build(settings, tmp_path)


def test_an_edit_of_a_field_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, "title: Think Python", "title: Think Python, 2nd edition")
    build_site(settings)
    assert full_runs == [1, 1]
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_file_added_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    folder = project / "content" / "python-basics"
    text = (folder / "think-python.md").read_text(encoding="utf-8")
    (folder / "think-python-again.md").write_text(text.replace("Think Python", "Think Python again"), "utf-8")
    build_site(settings)
    assert full_runs == [1, 1]
    assert (settings.output_dir / "python-basics" / "think-python-again" / "index.html").is_file()
    assert_same_as_fresh_build(settings, tmp_path)


def test_notes_with_a_problem_are_reported_as_by_any_build(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    before = tree(settings.output_dir)
    edit(project, THINK_PYTHON, NOTES, "![a diagram](diagram.png) " + NOTES)
    with pytest.raises(ContentProblems) as raised:
        build_site(settings)
    assert "think-python.md" in str(raised.value)
    assert tree(settings.output_dir) == before


def test_notes_with_a_pelican_link_are_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    """`{filename}` links are Pelican's, resolved against every article: only a whole build knows them."""
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "See [the MIT course]({filename}mit-6-0001.md). " + NOTES)
    build_site(settings)
    assert full_runs == [1, 1]
    assert 'href="http://127.0.0.1:8000/python-basics/mit-6-0001/"' in page(settings, "python-basics", "think-python")
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_changed_output_file_is_repaired_by_a_build_as_before(
    project: Path, tmp_path: Path, full_runs: list[int]
) -> None:
    settings = built(project, tmp_path)
    (settings.output_dir / "index.html").write_text("changed by hand", encoding="utf-8")
    edit(project, THINK_PYTHON, NOTES, "Edited")
    build_site(settings)
    assert full_runs == [1, 1]
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_theme_of_ones_own_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    """Lectern cannot know where another theme shows the notes."""
    base = project / "themes" / "lectern" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- our school's theme -->\n", encoding="utf-8")
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "Edited")
    build_site(settings)
    assert full_runs == [1, 1]


def test_quick_rebuilds_can_be_turned_off(
    project: Path, tmp_path: Path, full_runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "Edited")
    monkeypatch.setenv("LECTERN_QUICK_REBUILD", "0")
    build_site(settings)
    assert full_runs == [1, 1]


def test_after_a_preview_the_next_real_build_is_a_whole_one(
    project: Path, tmp_path: Path, full_runs: list[int]
) -> None:
    """A preview (`lectern serve --reload`) records neither first publications nor a delivery manifest: a real build
    after a preview that was not quick must be a whole one, or a resource first seen by the preview would never be
    delivered. Previews after it are quick."""
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, "title: Think Python", "title: Think Python, 2nd edition")
    build_site(settings, preview=True)
    assert full_runs == [1, 1]
    edit(project, THINK_PYTHON, NOTES, "Previewed after a preview")
    build_site(settings, preview=True)
    assert full_runs == [1, 1]
    assert "Previewed after a preview" in page(settings, "python-basics", "think-python")
    build_site(settings)
    build_site(settings)  # quick again, with nothing to do
    assert full_runs == [1, 1, 1]
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_preview_of_an_edit_of_the_notes_is_quick_too(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    """An edit of the notes changes no Note, so the preview's output is the real build's: the build after it has
    nothing left to do."""
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "Previewed notes")
    build_site(settings, preview=True)
    assert "Previewed notes" in page(settings, "python-basics", "think-python")
    previewed = tree(settings.output_dir)
    build_site(settings)
    assert full_runs == [1]
    assert tree(settings.output_dir) == previewed
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_commit_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    """The publication history comes from git: a commit can change what a build makes."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    environment = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org"}
    environment |= {"GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, env=environment, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "content")
    git("commit", "-q", "-m", "the content")
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "Edited")
    build_site(settings)
    assert full_runs == [1]
    git("commit", "-q", "-am", "an edit")
    build_site(settings)
    assert full_runs == [1, 1]
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_damaged_snapshot_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    snapshot = cache_root(settings.output_dir) / SNAPSHOT_FILE
    snapshot.write_bytes(snapshot.read_bytes()[:-100] + b"\0" * 100)
    edit(project, THINK_PYTHON, NOTES, "Edited")
    build_site(settings)
    assert full_runs == [1, 1]
    assert_same_as_fresh_build(settings, tmp_path)


def test_an_edit_of_a_collection_is_a_build_as_before(project: Path, tmp_path: Path, full_runs: list[int]) -> None:
    settings = built(project, tmp_path)
    collection = project / "content" / "python-basics" / "collection.md"
    collection.write_text(collection.read_text(encoding="utf-8") + "\nA new paragraph of the description.\n", "utf-8")
    build_site(settings)
    assert full_runs == [1, 1]
    assert "A new paragraph of the description." in (settings.output_dir / "python-basics" / "index.html").read_text(
        encoding="utf-8"
    )
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_feed_that_lists_notes_with_a_pelican_link_is_rendered_by_a_build_as_before(
    project: Path, tmp_path: Path, full_runs: list[int]
) -> None:
    """The feeds hold every listed resource's notes: one whose notes have a `{filename}` link needs every article,
    even when another resource of the feed is the one edited."""
    settings = built(project, tmp_path)
    edit(project, THINK_PYTHON, NOTES, "See [the MIT course]({filename}mit-6-0001.md). " + NOTES)
    build_site(settings)
    fractions = project / "content" / "fractions" / "fraction-strips.md"
    fractions.write_text(fractions.read_text(encoding="utf-8") + "\nA closing line of notes.\n", encoding="utf-8")
    build_site(settings)
    assert full_runs == [1, 1, 1]
    assert_same_as_fresh_build(settings, tmp_path)
