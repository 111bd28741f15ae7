from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lectern.build import build_site
from lectern.generator import theme_context
from lectern.generator.language_names import language_name
from lectern.generator.link_cards import CardImage
from lectern.generator.theme_context import (
    PageLater,
    credit_line,
    display_date,
    feed_url,
    file_size,
    hosted_file,
    resource_page,
)
from lectern.settings import load_settings
from tests.conftest import PROJECT, project_settings
from tests.generator.theme_examples import COLLECTION, PATHS, resource
from tests.lectern.test_build_cache import NOTES


def test_dates_are_shown_in_the_site_time_zone_with_english_months() -> None:
    late = datetime(2024, 9, 1, 23, 30, tzinfo=UTC)
    assert display_date(late, ZoneInfo("UTC")) == "1 September 2024"
    assert display_date(late, ZoneInfo("Europe/Madrid")) == "2 September 2024"


def test_hosted_files_say_their_kind_and_size() -> None:
    assert [file_size(n) for n in (999, 4319, 12_345, 2_500_000)] == ["999 bytes", "4.3 kB", "12 kB", "2.5 MB"]
    assert hosted_file("data.csv", "https://x/data.csv", 1200).kind == "CSV data"
    assert hosted_file("model.stl", "https://x/model.stl", 1).kind == "STL"


def test_the_credit_line_names_title_authors_source_and_license() -> None:
    assert credit_line(resource(), "https://oer.example.edu/fractions/strips/") == (
        "“Fraction <strips>” by Lucía Herrera (https://oer.example.edu/fractions/strips/) is licensed under "
        "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)."
    )
    assert "dedicated to the public domain" in credit_line(resource(license="CC0-1.0"), "https://x/")


def test_languages_and_feeds_are_named_for_visitors() -> None:
    assert [language_name(t) for t in ("en", "es", "pt-BR", "pt-PT", "xx")] == [
        "English",
        "Spanish (español)",
        "Brazilian Portuguese (português do Brasil)",
        "Portuguese (português)",
        "xx",
    ]
    assert (
        feed_url("https://oer.example.edu", "feeds/{slug}.atom.xml", "fractions")
        == "https://oer.example.edu/feeds/fractions.atom.xml"
    )
    assert feed_url("https://oer.example.edu", None) is None


def test_a_resource_page_is_made_at_the_first_read_of_one_of_its_values() -> None:
    settings = load_settings(PROJECT / "pelicanconf.py")
    card = CardImage("https://oer.example.edu/theme/card.png", "A card")
    strips = resource()
    sizes = {"strips.pdf": 2048}
    later = PageLater(
        strips, COLLECTION, sizes, "https://oer.example.edu/feeds/fractions.atom.xml", settings, PATHS, card
    )
    assert later.made_from() == (COLLECTION, sizes, "https://oer.example.edu/feeds/fractions.atom.xml")
    page = resource_page(
        strips, COLLECTION, settings, PATHS, card, sizes, "https://oer.example.edu/feeds/fractions.atom.xml"
    )
    assert later.card == page.card and later.kind == "Worksheet" and later.files == page.files
    assert later.collection is COLLECTION and later.made() is later.made() and later.made() == page


def test_a_rebuild_makes_the_pages_of_the_resources_it_renders_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    original = theme_context.resource_page

    def counting(resource: Any, *args: Any) -> Any:
        made.append(resource.key)
        return original(resource, *args)

    monkeypatch.setattr(theme_context, "resource_page", counting)
    settings = project_settings(project)
    build_site(settings)
    every_resource = len(set(made))
    assert every_resource > 10
    made.clear()
    build_site(settings)  # nothing changed: no page is rendered
    assert made == []
    edited = project / "content" / "python-basics" / "think-python.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace(NOTES, "Edited notes"), encoding="utf-8")
    build_site(settings)  # its page, and the cards of its collection's and its tags' pages
    assert "python-basics/think-python" in made and len(set(made)) < every_resource
