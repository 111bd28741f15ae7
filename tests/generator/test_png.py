from __future__ import annotations

import struct
import zlib

import pytest

from lectern.generator.card_image import CARD_HEIGHT, CARD_WIDTH, Circle, Polygon, draw_default_card, rasterise
from lectern.generator.png import SIGNATURE, encode_png
from tests.png_header import png_size


def decode_rgb(data: bytes) -> list[bytes]:
    """The scanlines of a PNG written by encode_png (filter type 0 only)."""
    width, height = png_size(data) or (0, 0)
    chunks, at = {}, len(SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        crc = data[at + 8 + length : at + 12 + length]
        assert struct.unpack(">I", crc)[0] == zlib.crc32(kind + body), kind
        chunks[kind] = body
        at += 12 + length
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert len(raw) == stride * height and all(raw[row * stride] == 0 for row in range(height))
    return [raw[row * stride + 1 : (row + 1) * stride] for row in range(height)]


def test_a_png_round_trips_its_pixels() -> None:
    rows = [bytes([255, 0, 0, 0, 255, 0]), bytes([0, 0, 255, 255, 255, 255])]
    data = encode_png(2, 2, rows)
    assert data.startswith(SIGNATURE) and data.endswith(b"IEND\xaeB`\x82")
    assert png_size(data) == (2, 2)
    assert decode_rgb(data) == rows


def test_a_png_with_rows_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 1 rows of 6 bytes"):
        encode_png(2, 1, [b"\x00" * 5])
    assert png_size(b"GIF89a") is None


def test_shapes_are_filled_with_soft_edges() -> None:
    white = (255, 255, 255)
    square = Polygon(((1, 1), (3, 1), (3, 3), (1, 3)), (0, 0, 0))
    rows = rasterise(4, 4, lambda _y: white, [square])
    assert rows[0] == bytes(white) * 4
    assert rows[1] == bytes(white) + bytes(6) + bytes(white)
    half = rasterise(3, 1, lambda _y: white, [Polygon(((0.5, 0), (3, 0), (3, 1), (0.5, 1)), (0, 0, 0))])
    assert half[0][:3] == bytes([128, 128, 128])
    dot = rasterise(5, 5, lambda _y: white, [Circle(2.5, 2.5, 1.5, (0, 0, 0))])
    assert dot[2][6:9] == bytes(3) and dot[0] == bytes(white) * 5


def test_the_default_card_is_a_deterministic_1200_by_630_png() -> None:
    data = draw_default_card()
    assert png_size(data) == (CARD_WIDTH, CARD_HEIGHT) == (1200, 630)
    assert draw_default_card() == data
    rows = decode_rgb(data)
    assert rows[315][600 * 3 : 600 * 3 + 3] != rows[0][:3], "the book is drawn in the middle"
