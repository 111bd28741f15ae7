"""What the build holds: every file under the output folder with its hash and the headers it must be served with.

Paths are relative to the output folder and '/'-separated, as they appear in URLs and (after the prefix) in keys.
Hidden files and folders are left out (editor and OS droppings, a build's staging folder), except `.well-known/`.
An ActivityPub document whose JSON says `"type": "Tombstone"` is marked, so `--delete` can keep such objects later.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lectern.content_types import cache_control, content_type, is_activitypub
from lectern.publish.errors import OutputMissing

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: str
    source: Path
    size: int
    sha256: str
    content_type: str
    cache_control: str
    tombstone: bool = False


def is_tombstone(path: str, data: bytes) -> bool:
    """Whether `data`, the body of the file at `path`, is an ActivityPub Tombstone (a deleted resource's stand-in)."""
    if not is_activitypub(path) or b"Tombstone" not in data:
        return False
    try:
        document = json.loads(data)
    except ValueError:
        return False
    kind = document.get("type") if isinstance(document, dict) else None
    return kind == "Tombstone" or isinstance(kind, list) and "Tombstone" in kind


def describe(path: str, source: Path) -> LocalFile:
    """Hash one file (in chunks: hosted files may be large) and attach its headers."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with source.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            if size == 0:
                head = chunk
            size += len(chunk)
    tombstone = size <= _CHUNK and is_tombstone(path, head)
    return LocalFile(path, source, size, digest.hexdigest(), content_type(path), cache_control(path), tombstone)


def _walk(output_dir: Path) -> Iterator[tuple[str, str]]:
    """(path relative to the output folder, path on disk) of every file that is not hidden, in sorted order."""
    root = str(output_dir)
    for folder, dirs, files in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        at_top = relative == "."
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") or at_top and d == ".well-known")
        for name in sorted(files):
            if not name.startswith("."):
                yield (name if at_top else f"{relative}/{name}"), os.path.join(folder, name)


def check_build(output_dir: Path) -> None:
    """Raise OutputMissing unless `output_dir` looks like a built site (a folder with an index.html)."""
    if not output_dir.is_dir():
        raise OutputMissing(
            f"{output_dir} does not exist: run lectern build first, or pass --output with the built folder"
        )
    if not (output_dir / "index.html").is_file():
        raise OutputMissing(
            f"{output_dir} has no index.html, so it is not a built site: run lectern build first, "
            "or pass --output with the built folder"
        )


def scan_output(output_dir: Path) -> list[LocalFile]:
    """Every file of the build in `output_dir`, sorted by path. Raises OutputMissing if it is not a built site.

    One thread: for 20,000 small files, reading and hashing take about a second, and a thread pool only adds to it.
    """
    check_build(output_dir)
    try:
        return sorted((describe(path, Path(source)) for path, source in _walk(output_dir)), key=lambda f: f.path)
    except OSError as error:
        raise OutputMissing(
            f"{error.filename}: cannot be read ({error.strerror}); rebuild with lectern build"
        ) from None
