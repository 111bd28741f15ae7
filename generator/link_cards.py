"""Link cards: the Open Graph (https://ogp.me/) and Twitter-card tags that previews are built from.

Mastodon, chat apps and search engines read `og:title`, `og:description`, `og:url` and `og:image` (Mastodon also
reads `fediverse:creator`, shown as "More from @collection@host" when the actor lists the site in its attribution
domains). Previewers fetch PNG or JPEG, not SVG: a collection's own image is used only when it is a raster picture,
otherwise the site's default card (`generator.card_image`), whose size is known and given.

Pure functions: a `Card` in, `(attribute, key, content)` triples out, for the template to write as `<meta>` tags.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
DESCRIPTION_LENGTH = 300


@dataclass(frozen=True)
class CardImage:
    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Card:
    title: str
    description: str
    url: str
    image: CardImage
    site_name: str
    kind: str = "website"  # og:type: "website", or "article" for a resource
    published: str | None = None  # ISO 8601, for articles
    modified: str | None = None
    tags: tuple[str, ...] = ()
    creator: str | None = None  # a Fediverse handle: @collection@host


def shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    collapsed = " ".join(text.split())
    if len(collapsed) <= length:  # what `textwrap.shorten` gives a text that fits, without its word splitting
        return collapsed
    return textwrap.shorten(collapsed, width=length, placeholder="…")


def collection_image(image_url: str | None, title: str, default: CardImage) -> CardImage:
    """The collection's own picture when previewers can show it (PNG, JPEG, GIF, WebP), else the default card."""
    if image_url and image_url.lower().endswith(RASTER_SUFFIXES):
        return CardImage(image_url, f"Cover picture of {title}")
    return default


def meta_tags(card: Card) -> list[tuple[str, str, str]]:
    """`(attribute, key, content)` for each `<meta>`: `("property", "og:title", "...")`."""
    description = shorten(card.description)
    tags = [
        ("name", "description", description),
        ("property", "og:type", card.kind),
        ("property", "og:site_name", card.site_name),
        ("property", "og:title", card.title),
        ("property", "og:description", description),
        ("property", "og:url", card.url),
        ("property", "og:image", card.image.url),
    ]
    if card.image.width and card.image.height:
        tags += [
            ("property", "og:image:width", str(card.image.width)),
            ("property", "og:image:height", str(card.image.height)),
        ]
    tags.append(("property", "og:image:alt", card.image.alt))
    if card.kind == "article":
        if card.published:
            tags.append(("property", "article:published_time", card.published))
        if card.modified:
            tags.append(("property", "article:modified_time", card.modified))
        tags += [("property", "article:tag", tag) for tag in card.tags]
    tags += [
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", card.title),
        ("name", "twitter:description", shorten(card.description, 200)),
        ("name", "twitter:image", card.image.url),
        ("name", "twitter:image:alt", card.image.alt),
    ]
    if card.creator:
        tags.append(("name", "fediverse:creator", card.creator))
    return tags
