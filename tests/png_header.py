"""Reading a PNG's size from its header, to check what the build wrote (the build itself never needs to)."""

from __future__ import annotations

import struct

from lectern.generator.png import SIGNATURE


def png_size(data: bytes) -> tuple[int, int] | None:
    """The (width, height) of PNG `data`, read from its IHDR chunk, or None when it is not a PNG."""
    if len(data) < 24 or not data.startswith(SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
