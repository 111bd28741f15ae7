"""Lectern's generator writes the tag pages Pelican's articles generator would, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pelican import signals

from lectern.build import build_site
from lectern.generator import plugin
from lectern.generator.tag_pages import tag_dates
from tests.conftest import project_settings
from tests.lectern.test_build_cache import tree


@pytest.fixture
def pelicans_own_tag_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tag pages written by Pelican's articles generator, as before Lectern wrote them."""

    def pelicans_step_back(generator: Any) -> None:
        generator.__dict__.pop("generate_tags", None)  # the class's own step again

    monkeypatch.setattr(plugin, "write_tag_pages", lambda *args: None)
    signals.article_generator_finalized.connect(pelicans_step_back)
    yield
    signals.article_generator_finalized.disconnect(pelicans_step_back)


def test_the_tag_pages_are_those_pelican_writes(project: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = project_settings(project)
    build_site(settings.with_overrides(output_dir=tmp_path / "lectern"), use_cache=False)
    request.getfixturevalue("pelicans_own_tag_pages")
    build_site(settings.with_overrides(output_dir=tmp_path / "pelican"), use_cache=False)
    ours, pelicans = tree(tmp_path / "lectern"), tree(tmp_path / "pelican")
    tag_pages = [name for name in pelicans if name.startswith("tag/")]
    assert len(tag_pages) > 10
    assert sorted(ours) == sorted(pelicans)
    assert [name for name in pelicans if ours[name] != pelicans[name]] == []


def test_a_tags_dates_are_its_articles_in_the_order_of_all_the_articles_by_date_each_once() -> None:
    first, second, third, fourth = (object() for _ in range(4))
    dates = [fourth, third, second, first]
    tags = [("a", [first, third, first]), ("b", [second]), ("c", [])]
    assert [(tag, list(articles), picked) for tag, articles, picked in tag_dates(tags, dates)] == [
        ("a", [first, third, first], [third, first]),
        ("b", [second], [second]),
        ("c", [], []),
    ]
