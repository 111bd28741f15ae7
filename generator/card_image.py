"""The site's default link-card picture: an open book on a blue field, drawn at build time in pure Python.

Link-card readers (Mastodon's preview fetcher, Open Graph and Twitter-card consumers) want a PNG or JPEG of about
1200x630; an SVG is ignored. So the picture is a few flat shapes, filled by a small scanline rasteriser with
horizontal anti-aliasing (four sub-rows per pixel row), and written with `generator.png`. There is no randomness and
no font: the same code gives the same bytes on every machine. The picture is drawn when this code changes and
shipped (`generator.default_images`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lectern.generator.default_images import CARD, shipped
from lectern.generator.png import encode_png

Color = tuple[int, int, int]
CARD_WIDTH = 1200
CARD_HEIGHT = 630
CARD_ALT = "An open book on a blue background"
_SUBROWS = 4


@dataclass(frozen=True)
class Polygon:
    """A convex polygon, its corners in order."""

    points: tuple[tuple[float, float], ...]
    color: Color

    @property
    def top(self) -> float:
        return min(y for _, y in self.points)

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.points)

    def span(self, y: float) -> tuple[float, float] | None:
        crossings = []
        corners = self.points
        for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
            if y1 != y2 and min(y1, y2) <= y < max(y1, y2):
                crossings.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        return (min(crossings), max(crossings)) if len(crossings) >= 2 else None


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    color: Color

    @property
    def top(self) -> float:
        return self.cy - self.r

    @property
    def bottom(self) -> float:
        return self.cy + self.r

    def span(self, y: float) -> tuple[float, float] | None:
        d = self.r * self.r - (y - self.cy) ** 2
        if d <= 0:
            return None
        half = math.sqrt(d)
        return self.cx - half, self.cx + half


Shape = Polygon | Circle


def _paint(row: bytearray, width: int, spans: list[tuple[float, float] | None], color: Color) -> None:
    present = [(max(0.0, a), min(float(width), b)) for a, b in (s for s in spans if s is not None) if b > a]
    if not present:
        return
    low = math.floor(min(a for a, _ in present))
    high = min(width, math.ceil(max(b for _, b in present)))
    inner_low, inner_high = high, high
    if len(present) == len(spans):
        inner_low = math.ceil(max(a for a, _ in present))
        inner_high = math.floor(min(b for _, b in present))
        if inner_high > inner_low:
            row[3 * inner_low : 3 * inner_high] = bytes(color) * (inner_high - inner_low)
        else:
            inner_low, inner_high = high, high
    for px in [*range(low, inner_low), *range(inner_high, high)]:
        covered = sum(max(0.0, min(b, px + 1) - max(a, px)) for a, b in present) / len(spans)
        if covered > 0:
            for channel in range(3):
                old = row[3 * px + channel]
                row[3 * px + channel] = round(old + (color[channel] - old) * covered)


def rasterise(width: int, height: int, background: Callable[[int], Color], shapes: Sequence[Shape]) -> list[bytes]:
    """RGB rows of the picture: `background(row)` under `shapes`, painted in order."""
    rows = []
    for y in range(height):
        row = bytearray(bytes(background(y)) * width)
        for shape in shapes:
            if y + 1 <= shape.top or y >= shape.bottom:
                continue
            spans = [shape.span(y + (k + 0.5) / _SUBROWS) for k in range(_SUBROWS)]
            _paint(row, width, spans, shape.color)
        rows.append(bytes(row))
    return rows


def _hex(value: str) -> Color:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def _mirror(points: Sequence[tuple[float, float]], centre: float) -> tuple[tuple[float, float], ...]:
    return tuple((2 * centre - x, y) for x, y in reversed(points))


def book_shapes(width: int = CARD_WIDTH) -> list[Shape]:
    """The open book, centred; coordinates are for a 630-pixel-high card."""
    c = width / 2
    shapes: list[Shape] = [
        Circle(c - 510, 40, 200, _hex("#246a99")),
        Circle(c + 540, 650, 270, _hex("#123a58")),
        Circle(c + 350, 120, 34, _hex("#2b74a6")),
    ]
    slope = 36 / 264  # the pages rise from the spine to their outer corners

    def page(dx: float, top: float, bottom: float) -> list[tuple[float, float]]:
        return [(c, top), (c - dx, top - slope * dx), (c - dx, bottom - slope * dx), (c, bottom)]

    layers = [(282, 262, 516, "#f2b544"), (272, 256, 506, "#d9d2c2"), (264, 248, 498, "#fdfbf5")]
    for dx, top, bottom, colour in layers:  # cover, page edges, top pages
        left = page(dx, top, bottom)
        shapes += [Polygon(tuple(left), _hex(colour)), Polygon(_mirror(left, c), _hex(colour))]
    shapes.append(Polygon(((c - 4, 248), (c + 4, 248), (c + 4, 498), (c - 4, 498)), _hex("#d4cdbd")))
    ink = _hex("#b9cbdb")
    for i in range(6):
        base = 248 + 44 + i * 36

        def line(x0: float, x1: float, y: float = base) -> Polygon:
            y0, y1 = y - slope * abs(x0 - c), y - slope * abs(x1 - c)
            return Polygon(((x0, y0), (x1, y1), (x1, y1 + 10), (x0, y0 + 10)), ink)

        shapes += [line(c - 232, c - 28), line(c + 28, c + 186 if i < 5 else c + 120)]
    ribbon_top = 248 - slope * 214 - 6
    ribbon = _hex("#e4572e")
    shapes.append(Polygon(((c + 200, ribbon_top), (c + 215, ribbon_top - 2), (c + 215, 318), (c + 200, 334)), ribbon))
    shapes.append(
        Polygon(((c + 215, ribbon_top - 2), (c + 230, ribbon_top - 4), (c + 230, 334), (c + 215, 318)), ribbon)
    )
    return shapes


def _gradient(top: Color, bottom: Color, height: int) -> Callable[[int], Color]:
    def colour(y: int) -> Color:
        t = y / max(1, height - 1)
        r, g, b = (round(a + (z - a) * t) for a, z in zip(top, bottom, strict=True))
        return r, g, b

    return colour


@lru_cache(maxsize=1)
def default_card_png() -> bytes:
    """The default link-card picture (1200x630 PNG) for pages without an image of their own: `draw_default_card`'s
    picture, shipped (`generator.default_images`: drawing it in Python takes a good part of a second)."""
    return shipped(CARD)


def draw_default_card() -> bytes:
    rows = rasterise(CARD_WIDTH, CARD_HEIGHT, _gradient(_hex("#1f5f8b"), _hex("#15435f"), CARD_HEIGHT), book_shapes())
    return encode_png(CARD_WIDTH, CARD_HEIGHT, rows)
