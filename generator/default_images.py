"""The two pictures of a site that has none of its own, drawn by the developers and shipped with Lectern.

The default link card (`generator.card_image`, 1200x630, drawn in pure Python) and the default actor header (that
card cropped to 1500x500 by resvg, `generator.actor_images`) depend on nothing but Lectern's code, so every site
gets the same bytes. Drawing them took half a second of every build from nothing (a third of what Lectern adds to
Pelican's time on a site of 1,000 resources), so they are drawn when the code that draws them changes and kept as
package data in `default_images/`, which the wheel carries.

`tests/generator/test_default_images.py` draws both again and compares them byte for byte with the shipped files;
after a change to the drawing (or to resvg), draw them anew with `python -m lectern.generator.default_images`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["CARD", "FOLDER", "HEADER", "drawn", "shipped"]

FOLDER = Path(__file__).parent / "default_images"
CARD = "card.png"
HEADER = "header.png"


@lru_cache(maxsize=2)
def shipped(name: str) -> bytes:
    """The shipped picture `name` (`CARD` or `HEADER`)."""
    return (FOLDER / name).read_bytes()


def drawn() -> dict[str, bytes]:
    """Both pictures drawn now, by name: what `shipped` must hold."""
    from lectern.generator.actor_images import draw_default_header
    from lectern.generator.card_image import draw_default_card

    card = draw_default_card()
    return {CARD: card, HEADER: draw_default_header(card)}


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, data in drawn().items():
        (FOLDER / name).write_bytes(data)
        print(f"wrote {FOLDER / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
