"""`lectern serve --reload`'s watcher and preview builds, on a real project with real builds (no server here)."""

from __future__ import annotations

import json
from pathlib import Path

from lectern.build import build_site
from lectern.generator.publication_history import FIRST_PUBLISHED_FILE
from lectern.live_reload import LiveReload, preview_builder
from lectern.manifest import MANIFEST_FILE
from tests.conftest import project_settings

NOTES = "Chapters 1 to 7 are our first term"


def page(output: Path) -> str:
    return (output / "python-basics" / "think-python" / "index.html").read_text(encoding="utf-8")


def edit(project: Path, old: str, new: str) -> None:
    path = project / "content" / "python-basics" / "think-python.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_nothing_changed_means_no_build(project: Path) -> None:
    settings = project_settings(project)
    live = LiveReload(settings, preview_builder(settings))
    assert live.build_now().build == 1
    assert live.check() is None
    assert live.state.build == 1


def test_an_edit_is_rebuilt_and_moves_the_build_on(project: Path) -> None:
    settings = project_settings(project)
    live = LiveReload(settings, preview_builder(settings))
    live.build_now()
    edit(project, NOTES, "Chapters 1 to 8 are our first term")
    state = live.check()
    assert state is not None and (state.build, state.problem) == (2, None)
    assert "Chapters 1 to 8 are our first term" in page(settings.output_dir)


def test_a_theme_or_settings_change_is_rebuilt(project: Path) -> None:
    settings = project_settings(project)
    live = LiveReload(settings, preview_builder(settings))
    live.build_now()
    template = project / "themes" / "lectern" / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace("Credit the authors", "Credit them"), "utf-8")
    assert live.check() is not None
    assert "Credit them" in page(settings.output_dir)


def test_a_broken_edit_keeps_the_last_good_build_and_says_why(project: Path) -> None:
    settings = project_settings(project)
    live = LiveReload(settings, preview_builder(settings))
    live.build_now()
    before = page(settings.output_dir)
    edit(project, "license: CC-BY-NC-3.0", "license: CC-BY-9.9")
    state = live.check()
    assert state is not None and state.build == 1
    assert state.problem is not None and "think-python.md:5: license: 'CC-BY-9.9'" in state.problem
    assert page(settings.output_dir) == before
    edit(project, "license: CC-BY-9.9", "license: CC-BY-NC-3.0")
    state = live.check()
    assert state is not None and (state.build, state.problem) == (2, None)


def test_an_editors_swap_file_is_not_an_edit(project: Path) -> None:
    settings = project_settings(project)
    live = LiveReload(settings, preview_builder(settings))
    live.build_now()
    (project / "content" / "python-basics" / ".think-python.md.swp").write_bytes(b"half a file")
    (project / "content" / "python-basics" / "think-python.md~").write_bytes(b"a backup")
    assert live.check() is None


def test_a_preview_build_keeps_the_manifest_of_the_last_real_build(project: Path) -> None:
    """The shim delivers what `ap/manifest.json` lists: a preview must leave it as the last real build wrote it."""
    settings = project_settings(project)
    build_site(settings)
    manifest = (settings.output_dir / MANIFEST_FILE).read_bytes()
    edit(project, "title: Think Python, 2nd edition", "title: Think Python, second edition")
    build_site(settings, preview=True)
    assert "Think Python, second edition" in page(settings.output_dir)
    assert (settings.output_dir / MANIFEST_FILE).read_bytes() == manifest
    build_site(settings)  # a real build: its manifest lists the edit, for the shim to deliver
    assert (settings.output_dir / MANIFEST_FILE).read_bytes() != manifest


def test_a_preview_before_any_real_build_has_no_manifest(project: Path) -> None:
    settings = project_settings(project)
    build_site(settings, preview=True)
    assert (settings.output_dir / "python-basics" / "think-python" / "index.html").is_file()
    assert not (settings.output_dir / MANIFEST_FILE).exists()


def test_a_preview_does_not_record_when_it_first_saw_a_resource(project: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    record = settings.instance_dir / FIRST_PUBLISHED_FILE
    seen = json.loads(record.read_text(encoding="utf-8"))
    folder = project / "content" / "python-basics"
    text = (folder / "think-python.md").read_text(encoding="utf-8")
    (folder / "think-python-again.md").write_text(text.replace("Think Python", "Think Python again"), "utf-8")
    build_site(settings, preview=True)
    assert json.loads(record.read_text(encoding="utf-8")) == seen
    build_site(settings)
    assert "python-basics/think-python-again" in json.loads(record.read_text(encoding="utf-8"))
