"""Writing the many small JSON documents of a build, and not writing those an incremental build already has.

`JsonFiles.write` serialises a document (`json_text`) and hands it to the writer's thread when it has one
(`generator.background_files`). In an incremental build (`lectern.incremental_output`) a document written with a
`key` (a hash of everything it is made from, see `generator.page_memo.resource_key`) is memoised like a page: when
the build cache knows the key, with the digest the output holds at the document's place, the document is neither
serialised nor hashed nor written; otherwise it is written and its digest kept under the key for the next build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lectern.build_cache import BuildCache
from lectern.generator.background_files import BackgroundFiles, Unchanged

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
        background: BackgroundFiles | None = None,
        cache: BuildCache | None = None,
        unchanged: Unchanged | None = None,
    ) -> None:
        self.output = output
        self.background = background
        self.folders: set[Path] = set()
        self._cache = cache if unchanged is not None else None
        self._unchanged = unchanged
        self.skipped = 0

    def write(self, relative: str, document: Any, key: str | None = None) -> None:
        path = self._in_folder(relative)  # also for a skipped Note, which is linked into its folder
        cache, unchanged = self._cache, self._unchanged
        if key is not None and cache is not None and unchanged is not None:
            digest = cache.page_digest(key)
            if digest is not None and unchanged.known(str(path), digest):
                cache.pages_made[key] = digest
                self.skipped += 1
                return
        self._write(path, json_text(document))
        if key is not None and cache is not None and unchanged is not None:
            made = unchanged.digest_of(str(path))
            if made is not None:
                cache.pages_made[key] = made

    def write_text(self, relative: str, text: str) -> None:
        """Write a document already serialised (`json_text`)."""
        self._write(self._in_folder(relative), text)

    def _in_folder(self, relative: str) -> Path:
        """`relative` under the output, its folder made (once)."""
        path = self.output / relative
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        return path

    def _write(self, path: Path, text: str) -> None:
        if self.background is not None:
            self.background.write(path, text.encode("utf-8"))
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
