"""The shipped default pictures are what the code draws today (`generator.default_images`)."""

from __future__ import annotations

from lectern.generator.actor_images import HEADER_HEIGHT, HEADER_WIDTH, default_header_png
from lectern.generator.card_image import CARD_HEIGHT, CARD_WIDTH, default_card_png
from lectern.generator.default_images import CARD, HEADER, drawn, shipped
from tests.png_header import png_size


def test_the_shipped_pictures_are_the_ones_the_code_draws() -> None:
    fresh = drawn()
    for name in (CARD, HEADER):
        assert shipped(name) == fresh[name], (
            f"default_images/{name} is not what the code draws now; run 'python -m lectern.generator.default_images'"
        )


def test_the_build_uses_the_shipped_pictures_at_their_sizes() -> None:
    assert default_card_png() == shipped(CARD)
    assert default_header_png() == shipped(HEADER)
    assert png_size(default_card_png()) == (CARD_WIDTH, CARD_HEIGHT)
    assert png_size(default_header_png()) == (HEADER_WIDTH, HEADER_HEIGHT)
