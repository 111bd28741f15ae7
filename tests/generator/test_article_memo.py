"""The memo of Pelican's articles: a rebuild makes again only the articles of edited files, and the articles it
restores are the ones reading the files would make, so the output is the same bytes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown import Markdown
from pelican import signals

from lectern.build import BuildFailed, build_site
from lectern.build_cache import MARKDOWN_FILE, cache_root
from lectern.generator import article_memo
from lectern.generator.article_memo import MEMO_FILE, usable
from lectern.generator.pelican_settings import PLUGIN
from lectern.generator.plugin import LecternGenerator
from lectern.generator.reader import LecternMarkdownReader
from tests.conftest import project_settings
from tests.lectern.test_build_cache import NOTES, assert_same_as_fresh_build


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files Pelican's reader reads, by name, in this process."""
    read: list[str] = []
    original = LecternMarkdownReader.read

    def recording(self: LecternMarkdownReader, source_path: str) -> Any:
        read.append(Path(source_path).name)
        return original(self, source_path)

    monkeypatch.setattr(LecternMarkdownReader, "read", recording)
    return read


@pytest.fixture
def articles_seen() -> Iterator[list[dict[str, str]]]:
    """Each build's articles as Pelican has them once it read them all: every attribute (but the build's settings
    and context) by its repr, the tags with their slugs and URLs."""
    builds: list[dict[str, str]] = []

    def seen(generator: Any) -> None:
        described = {}
        for article in generator.articles:
            attributes = {k: repr(v) for k, v in vars(article).items() if k not in ("settings", "_context")}
            attributes["tags"] += repr([(t.slug, t.url) for t in article.tags])
            assert article.settings is generator.settings and article._context is generator.context
            described[article.source_path] = repr(sorted(attributes.items()))
        builds.append(described)

    signals.article_generator_finalized.connect(seen)
    yield builds
    signals.article_generator_finalized.disconnect(seen)


def memo_file(settings: Any) -> Path:
    (folder,) = [p for p in cache_root(settings.output_dir).iterdir() if p.is_dir()]
    return folder / MEMO_FILE


@pytest.mark.parametrize("fork", ["0", "1"])
def test_a_rebuild_reads_only_the_edited_file_and_builds_the_same_bytes(
    project: Path, tmp_path: Path, files_read: list[str], monkeypatch: pytest.MonkeyPatch, fork: str
) -> None:
    monkeypatch.setenv("LECTERN_BUILD_FORK", fork)  # the memo written in a forked process, or in the build's own
    settings = project_settings(project)
    build_site(settings)
    every_file = sorted(files_read)
    assert len(every_file) > 10 and memo_file(settings).is_file()
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Chapters 1 to 9, edited."), "utf-8")
    files_read.clear()
    build_site(settings)
    assert files_read == ["think-python.md"]
    files_read.clear()
    build_site(settings)  # the edited file's article is in the memo now
    assert files_read == []
    monkeypatch.setenv("LECTERN_BUILD_FORK", "0")
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_restored_article_is_the_article_reading_its_file_makes(
    project: Path, files_read: list[str], articles_seen: list[dict[str, str]]
) -> None:
    settings = project_settings(project)
    build_site(settings)
    files_read.clear()
    build_site(settings)
    assert files_read == []
    made, restored = articles_seen
    assert len(made) > 10
    assert restored == made


def test_the_notes_of_restored_articles_stay_in_the_build_cache(project: Path, files_read: list[str]) -> None:
    """A rebuild that restores most articles still keeps their notes' HTML: the build after one that cannot use
    the memo (here: it is gone) renders no Markdown but the edited notes."""
    settings = project_settings(project)
    build_site(settings)
    every_file = len(files_read)
    markdown = memo_file(settings).with_name(MARKDOWN_FILE)
    before = set(json.loads(markdown.read_text(encoding="utf-8")))
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Chapters 1 to 9, edited."), "utf-8")
    build_site(settings)
    after = set(json.loads(markdown.read_text(encoding="utf-8")))
    assert len(after - before) == 1 and len(before - after) == 1
    rendered: list[str] = []
    original = Markdown.convert

    def converting(self: Markdown, text: str) -> str:
        rendered.append(text)
        return original(self, text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Markdown, "convert", converting)
        build_site(settings)  # every article restored: only the collections' own notes are rendered
        collection_notes = list(rendered)
        memo_file(settings).unlink()
        files_read.clear()
        rendered.clear()
        build_site(settings)
    assert len(files_read) == every_file and rendered == collection_notes


def test_a_memo_cut_short_or_unreadable_is_an_empty_memo(project: Path, tmp_path: Path, files_read: list[str]) -> None:
    settings = project_settings(project)
    build_site(settings)
    every_file = len(files_read)
    memo = memo_file(settings)
    memo.write_bytes(memo.read_bytes()[: memo.stat().st_size // 2])
    files_read.clear()
    build_site(settings)
    assert len(files_read) == every_file
    memo.write_bytes(b"not a pickle")
    files_read.clear()
    build_site(settings)
    assert len(files_read) == every_file
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_memo_made_under_another_locale_is_not_used(
    project: Path, files_read: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article's `locale_date` is its date as the process's locale writes it."""
    settings = project_settings(project)
    build_site(settings)
    files_read.clear()
    monkeypatch.setattr(article_memo.locale, "setlocale", lambda _category, _value=None: "xx_XX.UTF-8")
    build_site(settings)
    assert len(files_read) > 10


def test_a_build_that_fails_keeps_the_memo_as_it_was_and_leaves_no_file_behind(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project_settings(project)
    build_site(settings)
    memo = memo_file(settings)
    before = memo.read_bytes()
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Edited"), "utf-8")

    def failing(self: LecternGenerator, writer: Any) -> None:
        raise RuntimeError("the theme broke")

    monkeypatch.setattr(LecternGenerator, "generate_output", failing)
    with pytest.raises(BuildFailed):
        build_site(settings)
    assert memo.read_bytes() == before
    assert [n for n in os.listdir(memo.parent) if n.endswith((".tmp", ".pending"))] == []
    # what a forked process killed while writing left behind: gone after the next build
    (memo.parent / f".{MEMO_FILE}.123.pending").write_bytes(b"half")
    (memo.parent / f".{MEMO_FILE}.123.pending.456.tmp").write_bytes(b"half")
    monkeypatch.undo()
    build_site(settings)
    assert [n for n in os.listdir(memo.parent) if n.startswith(f".{MEMO_FILE}")] == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"PLUGINS": [PLUGIN]}, True),
        ({"PLUGINS": [PLUGIN, "pelican.plugins.related_posts"]}, False),  # its signals would not be sent again
        ({"PLUGINS": [PLUGIN], "DEFAULT_DATE": "fs"}, False),  # a date from the file's time, not its bytes
        ({"PLUGINS": []}, False),
    ],
)
def test_the_memo_is_used_only_when_lectern_is_the_only_plugin_and_dates_come_from_the_files(
    settings: dict[str, Any], expected: bool
) -> None:
    assert usable(settings, PLUGIN) is expected
