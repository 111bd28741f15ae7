"""A Fediverse suggestion becomes a resource file: filled from the linked page, crediting who suggested it, and
accepted by `lectern check` once the curator has filled what nobody could know."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from lectern.generator.content_loader import load_site
from lectern.interactions import Interaction
from lectern.page_metadata import license_of_uri, read_page_metadata
from lectern.review_queue import Author, MemoryReviewQueue, new_item
from lectern.review_run import ReviewEffects, approve, suggester

PROJECT = Path(__file__).resolve().parents[2]
GAME = "https://material.example/fractions-game"
PAGE = """<!doctype html><html lang="es"><head>
<title>ignored when og:title is there</title>
<meta property="og:title" content="Juego de fracciones: ¡compara y ordena!">
<meta name="description" content="Un juego para comparar fracciones
  con tiras y rectas numéricas.">
<meta name="author" content="Equipo Didáctico">
<link rel="license" href="http://creativecommons.org/licenses/by-sa/4.0/deed.es">
</head><body><p>...</p></body></html>"""


def test_licenses_are_found_in_every_form_pages_link_them() -> None:
    for uri in (
        "https://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/licenses/by/4.0",
        "https://creativecommons.org/licenses/by/4.0/deed.de",
        "https://creativecommons.org/licenses/by/4.0/legalcode",
    ):
        assert license_of_uri(uri) is not None and license_of_uri(uri).identifier == "CC-BY-4.0"  # type: ignore[union-attr]
    json_ld = '<script type="application/ld+json">{"@graph": [{"license": {"id": "https://creativecommons.org/publicdomain/zero/1.0/"}}]}</script>'
    assert read_page_metadata(json_ld).license == "CC0-1.0"
    assert read_page_metadata('<a rel="license" href="https://example.org/my-own-terms">terms</a>').license == ""


def test_page_metadata_prefers_open_graph_and_keeps_one_line() -> None:
    page = read_page_metadata(PAGE)
    assert page.title == "Juego de fracciones: ¡compara y ordena!"
    assert page.description == "Un juego para comparar fracciones con tiras y rectas numéricas."
    assert (page.license, page.language, page.authors) == ("CC-BY-SA-4.0", "es", "Equipo Didáctico")


def test_an_approved_suggestion_is_a_resource_file_that_check_accepts_once_completed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    folder = content / "fractions"
    folder.mkdir(parents=True)
    for name in ("collection.md", "cover.svg"):
        shutil.copy(PROJECT / "content" / "fractions" / name, folder / name)
    mention = Interaction(
        "https://school.example/activities/5",
        "mention",
        "https://school.example/users/ana",
        None,
        "fractions",
        post_id="https://school.example/notes/5",
        url="https://school.example/@ana/5",
        text="@fractions have a look at this game <b>",
        links=(GAME,),
    )
    queue = MemoryReviewQueue()
    item = new_item(mention, Author(mention.actor, "Ana <img src=x>", "@ana@school.example"), "t")
    queue.add(item)
    fetched: list[str] = []

    def fetch_page(url: str) -> str | None:
        fetched.append(url)
        return PAGE

    suggest = suggester({"fractions": (folder, "en")}, fetch_page, date(2026, 11, 30))
    decided, changes = approve(queue, item.id, {}, ReviewEffects(suggest=suggest))
    assert decided.status == "approved" and fetched == [GAME]
    (written,) = [change.path for change in changes]
    assert written == folder / "juego-de-fracciones-compara-y-ordena.md"
    text = written.read_text(encoding="utf-8")
    assert "license: CC-BY-SA-4.0\n" in text and f"link: {GAME}\n" in text and "language: es\n" in text
    assert "Suggested by Ana &lt;img src=x&gt; (@ana@school.example)" in text and "&lt;b&gt;" in text

    _site, problems = load_site(content, ZoneInfo("UTC"), frozenset({"site"}))
    assert {p.field for p in problems} >= {"level", "subjects", "type"}  # what the curator still has to write
    completed = (
        text.replace("level: \n", "level: primary\n")
        .replace("subjects: \n", "subjects: mathematics, fractions\n")
        .replace("type: \n", "type: interactive\n")
    )
    written.write_text(completed, encoding="utf-8")
    site, problems = load_site(content, ZoneInfo("UTC"), frozenset({"site"}))
    assert problems == []
    assert [r.key for r in site.resources] == ["fractions/juego-de-fracciones-compara-y-ordena"]
