"""Writing the many small JSON documents of a build, and not writing those an incremental build already has.

`JsonFiles.write` serialises a document (`json_text`) and hands it to the writer's thread when it has one
(`generator.background_files`). In an incremental build (`lectern.incremental_output`) the documents written with a
`key` (a hash of everything they are made from, see `generator.page_memo.resource_key`) are memoised like a page:
when the build cache knows the key, with the digest the output holds at a document's place, the document is
neither serialised nor hashed nor written; otherwise it is written, and the digests are kept under the key for the
next build.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lectern.build_cache import BuildCache
from lectern.generator.background_files import BackgroundFiles, DirectFiles, Unchanged

__all__ = ["JsonFiles", "json_text"]


def json_text(document: Any) -> str:
    """Compact JSON, one document per line. (An `indent` would switch Python to its pure-Python encoder, several
    times slower; over 20,000 documents that is most of the build's own time.)"""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


class JsonFiles:
    """Writes JSON documents under `output`; see the module docstring. Each folder is made once (asking the file
    system whether a folder exists, for each of 20,000 files, costs more than writing them)."""

    def __init__(
        self,
        output: Path,
        background: BackgroundFiles | DirectFiles | None = None,
        cache: BuildCache | None = None,
        unchanged: Unchanged | None = None,
    ) -> None:
        self.output = output
        self._root = os.fspath(output).rstrip(os.sep) + os.sep
        self.background = background
        self.folders: set[str] = set()
        self._cache = cache if unchanged is not None else None
        # in a full build the writer makes the folders (a file is never linked into one, see `_in_folder`)
        self._made_by_writer = background is not None and (unchanged is None or unchanged.fresh)
        self._unchanged = unchanged
        self.skipped = 0

    def write(self, relative: str, document: Any) -> None:
        self._write(self._in_folder(relative), json_text(document))

    def write_memoised(self, key: str, documents: Sequence[tuple[str, Any]]) -> None:
        """Write `documents` (relative path, document), all made from what `key` hashes. The build cache keeps
        their digests under that one key (one entry per resource, not per document)."""
        cache, unchanged = self._cache, self._unchanged
        remembered = cache.page_digest(key) if cache is not None else None
        digests = remembered.split() if remembered else []
        made: list[str] = []
        for number, (relative, document) in enumerate(documents):
            path = self._in_folder(relative)  # also for a skipped Note, which is linked into its folder
            digest = digests[number] if len(digests) == len(documents) else None
            if digest is not None and unchanged is not None and unchanged.known(path, digest):
                made.append(digest)
                self.skipped += 1
                continue
            self._write(path, json_text(document))
            written = unchanged.digest_of(path) if unchanged is not None else None
            if written is not None:
                made.append(written)
        if cache is not None and len(made) == len(documents):
            cache.pages_made[key] = " ".join(made)

    def write_text(self, relative: str, text: str) -> None:
        """Write a document already serialised (`json_text`)."""
        self._write(self._in_folder(relative), text)

    def _in_folder(self, relative: str) -> str:
        """`relative` ('/'-separated) under the output, its folder made (once). Strings, not `Path`s: for 25,000
        documents, pathlib's parsing was a third of the time of writing them."""
        path = self._root + relative
        if self._made_by_writer:
            return path
        folder = path.rpartition("/")[0]
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return path

    def _write(self, path: str, text: str) -> None:
        if self.background is not None:
            self.background.write(path, text.encode("utf-8"))
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
