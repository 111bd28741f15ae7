"""A suggestion from the Fediverse turned into a resource file for the curator to complete.

When someone mentions a collection with a link to material ("@fractions@oer.example have a look at https://..."),
approving the suggestion writes `content/<collection>/<slug>.md` in the content format (docs/content-format.md),
filled from what the linked page says about itself (`lectern.page_metadata`: title, description, license, language,
authors) and crediting the person who suggested it in the notes. Fields nobody could know (level, subjects, type, and
whatever the page did not say) are left empty, so `lectern check` names each one until the curator fills it in; the
file is then committed like any resource.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date
from pathlib import Path

from lectern.page_metadata import PageMetadata
from lectern.review_queue import ReviewItem

MAX_SLUG = 60


def slug_for(title: str, link: str) -> str:
    """A file name from the title (ASCII letters, digits, hyphens), or from the link when the title has none."""
    text = unicodedata.normalize("NFKD", title or link).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:MAX_SLUG].strip("-")
    return slug or "suggestion"


def free_path(folder: Path, slug: str) -> Path:
    """`folder/slug.md`, or `slug-2.md`, `slug-3.md`... when taken."""
    path, number = folder / f"{slug}.md", 1
    while path.exists():
        number += 1
        path = folder / f"{slug}-{number}.md"
    return path


def _field(value: str) -> str:
    return " ".join(value.replace("---", "—").split())  # one line; never a front matter fence


def suggested_resource(item: ReviewItem, link: str, page: PageMetadata, language: str, today: date) -> str:
    """The text of the resource file for the suggestion `item` of `link`; `language`: the collection's, when the
    page does not say."""
    author = item.author
    who = f"{author.name} ({author.handle})" if author.name and author.handle else author.handle or author.name
    who = who or item.interaction.actor
    said = "\n".join(f"> {html.escape(line)}" if line else ">" for line in item.interaction.text.splitlines())
    original = item.interaction.url or item.interaction.activity_id
    credit = f"<{original}>" if re.fullmatch(r"https?://[^\s<>]+", original) else "(the post is gone)"
    lines = [
        "---",
        f"title: {_field(page.title)[:200]}",
        f"summary: {_field(page.description)[:500]}",
        f"link: {link}",
        f"license: {page.license}",
        f"language: {_field(page.language) or language}",
        "level: ",
        "subjects: ",
        "type: ",
        f"authors: {_field(page.authors)}",
        f"added: {today.isoformat()}",
        "---",
        f"Suggested by {html.escape(_field(who))} on the Fediverse: {credit}",  # their words are text, not HTML
        "",
        said,
        "",
    ]
    return "\n".join(lines)
