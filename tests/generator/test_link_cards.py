from __future__ import annotations

import textwrap

from lectern.generator.link_cards import Card, CardImage, collection_image, meta_tags, shorten

DEFAULT = CardImage("https://oer.example.edu/theme/card.0123abcd.png", "An open book", 1200, 630)


def test_an_article_card_has_open_graph_twitter_and_fediverse_tags() -> None:
    card = Card(
        "Think Python",
        "A free textbook.",
        "https://oer.example.edu/python/think/",
        DEFAULT,
        "Library",
        "article",
        "2024-09-02T00:00:00Z",
        "2025-01-13T00:00:00Z",
        ("python",),
        "@python@oer.example.edu",
    )
    tags = {(attribute, key): content for attribute, key, content in meta_tags(card)}
    assert tags[("property", "og:type")] == "article"
    assert tags[("property", "og:image")] == tags[("name", "twitter:image")] == DEFAULT.url
    assert (tags[("property", "og:image:width")], tags[("property", "og:image:height")]) == ("1200", "630")
    assert tags[("property", "article:tag")] == "python"
    assert tags[("name", "twitter:card")] == "summary_large_image"
    assert tags[("name", "fediverse:creator")] == "@python@oer.example.edu"


def test_previewers_get_a_raster_picture_never_an_svg() -> None:
    assert collection_image("https://oer.example.edu/a/files/cover.svg", "A", DEFAULT) == DEFAULT
    own = collection_image("https://oer.example.edu/a/files/cover.JPG", "A", DEFAULT)
    assert own.url.endswith("cover.JPG") and own.width is None and own.alt == "Cover picture of A"
    assert collection_image(None, "A", DEFAULT) == DEFAULT


def test_long_descriptions_are_shortened_on_a_word() -> None:
    text = "word " * 100
    assert len(shorten(text, 200)) <= 200 and shorten(text, 200).endswith("word…")
    card = Card("T", text, "https://oer.example.edu/", DEFAULT, "S")
    tags = {key: content for _attribute, key, content in meta_tags(card)}
    assert len(tags["twitter:description"]) <= 200 < len(tags["og:description"]) <= 300
    assert "og:image:width" in tags and "article:published_time" not in tags


def test_shorten_is_textwrap_shorten_on_collapsed_whitespace() -> None:
    """A text that fits is returned without textwrap's word splitting; the result must be the same as with it."""
    words = ["a", "fraction", "wall-chart", "  ", "\t", "\n", "élève", "x" * 40, "—", "end."]
    for length in (1, 10, 20, 45, 60):
        for count in range(12):
            text = " ".join(words[(count * 7 + i) % len(words)] for i in range(count))
            expected = textwrap.shorten(" ".join(text.split()), width=length, placeholder="…")
            assert shorten(text, length) == expected, (text, length)
