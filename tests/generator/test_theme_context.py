from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lectern.generator.language_names import language_name
from lectern.generator.theme_context import credit_line, display_date, feed_url, file_size, hosted_file
from tests.generator.theme_examples import resource


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
