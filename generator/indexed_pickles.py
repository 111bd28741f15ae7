"""A file of pickles found by key: what the resource memo and the article memo keep between builds.

The file holds the entries' pickles one after the other, then a head (what the file is valid for, and the index:
key -> offset, length and what else the writer keeps with the entry), then the head's length in 8 bytes. The head
comes last so `write` can stream the entries as they are made, never holding them all (on a site of 5,000 resources,
the pickles of all its resources at once were the peak of a full build's memory). A file that cannot be read, made
for another head, or whose entries are not where its index says, reads as no file; it is written whole or not at
all (a temporary file renamed over it).
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Entry", "read", "write"]

PROTOCOL = pickle.HIGHEST_PROTOCOL
LENGTH = 8  # bytes of the head's length, at the end of the file

Entry = tuple[str, "bytes | memoryview", tuple[Any, ...]]  # key, its pickle, what else the index keeps with it


def read(path: Path, valid_for: object) -> tuple[dict[str, tuple[Any, ...]], bytes] | None:
    """The index (key -> (offset, length, *kept)) and the entries' bytes of the file at `path` made for
    `valid_for`; None for a file that is missing, damaged or made for something else."""
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        data = path.read_bytes()
        head_length = int.from_bytes(data[-LENGTH:], "big")
        body_length = len(data) - LENGTH - head_length
        if body_length < 0:
            return None
        made_for, index = pickle.loads(data[body_length : body_length + head_length])
        if made_for != valid_for or not isinstance(index, dict):
            return None
        if sum(where[1] for where in index.values()) != body_length:
            return None
        return index, data[:body_length]
    return None


def write(path: Path, valid_for: object, entries: Iterable[Entry]) -> None:
    """Write `entries` (each pickle as it comes) and their index, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    index: dict[str, tuple[Any, ...]] = {}
    offset = 0
    try:
        with open(temporary, "wb") as handle:
            for key, entry, kept in entries:
                handle.write(entry)
                index[key] = (offset, len(entry), *kept)
                offset += len(entry)
            head = pickle.dumps((valid_for, index), protocol=PROTOCOL)
            handle.write(head)
            handle.write(len(head).to_bytes(LENGTH, "big"))
        os.replace(temporary, path)
    except BaseException:  # (an entry that could not be made: no file, and no half-written one left)
        temporary.unlink(missing_ok=True)
        raise
