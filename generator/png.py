"""A minimal PNG encoder (8-bit RGB, no interlacing), in pure Python with `zlib` and `struct`.

It follows the PNG specification (https://www.w3.org/TR/png-3/): the signature, one IHDR chunk, one IDAT chunk with
the zlib stream of the filtered scanlines, and IEND; each chunk carries its CRC-32. Every scanline uses filter type 0
(None), which is enough for the flat colours Lectern draws, and the compression level is fixed, so the same pixels
always give the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """The PNG file for `rows`: `height` scanlines of `width` RGB pixels, 3 bytes each, top to bottom."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a PNG needs a positive size, not {width}x{height}")
    if len(rows) != height or any(len(row) != width * 3 for row in rows):
        raise ValueError(f"expected {height} rows of {width * 3} bytes")
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, truecolour (RGB)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
