"""The resources an earlier build read, by the bytes they were read from, so a rebuild reads only the files it must.

`load_site` checks and reads every resource file on every build: on a site of 5,000 resources, one to two seconds,
most of a rebuild after one edit. A resource file read without a problem gives the same `Resource` whenever it
holds the same text, sits at the same place in the same collection and is read with the same time zone and the
same code: `ResourceMemo.key` hashes these. Two things a file does not hold are left out of the memo, so that what
`load_site` reports never depends on it: a resource that hosts files (`files:`, checked against the folder on each
build) and any file with a problem (problems are found again, and a date "in the future" is judged against the
time of the build; a date in the past stays in the past, so a resource read without a problem stays so).

The memo is a file of pickles (a head, then one per entry) beside the build cache (`lectern.build_cache.cache_root`),
with the digest of Lectern's code and libraries (`lectern.build_cache.code_digest`): another code starts from an
empty memo. A build keeps only the entries it used (`save`), so the memo never grows past one site's worth. It is
written whole or not at all; one that cannot be read (in part or at all) is an empty memo.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from lectern.generator.content_model import Resource

__all__ = ["MEMO_FILE", "ResourceMemo"]

MEMO_FILE = "resources.pickle"


class ResourceMemo:
    """Resources by `key`; see the module docstring."""

    def __init__(self, path: Path | None, code: str, entries: dict[str, Resource] | None = None) -> None:
        self.path = path
        self.code = code
        self._entries = entries or {}
        self.used: dict[str, Resource] = {}
        self.file_keys: dict[str, str] = {}  # every resource file's key by its path, for `generator.article_memo`

    @classmethod
    def load(cls, folder: Path, code: str) -> ResourceMemo:
        path = folder / MEMO_FILE
        entries: dict[str, Resource] = {}
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            with open(path, "rb") as handle:  # one pickle after another, each read by an unpickler of its own
                head = pickle.load(handle)
                if isinstance(head, tuple) and len(head) == 2 and head[0] == code and isinstance(head[1], int):
                    for _ in range(head[1]):
                        key, resource = pickle.load(handle)
                        entries[key] = resource
                    return cls(path, code, entries)
        return cls(path, code, None)

    def key(self, rel: str, text: str, collection: str, zone: object) -> str:
        parts = repr((self.code, rel, collection, str(zone), text))
        return hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Resource | None:
        found = self._entries.get(key)
        if isinstance(found, Resource):
            self.used[key] = found
            return found
        return None

    def keep(self, key: str, resource: Resource) -> None:
        if not resource.files:
            self.used[key] = resource

    def save(self) -> None:
        """Keep the entries this build used (when they differ from those it found)."""
        if self.path is None or self.used == self._entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            for item in ((self.code, len(self.used)), *self.used.items()):
                pickler.dump(item)
                pickler.clear_memo()  # each a pickle of its own: the memo of 5,000 at once was a build's last peak
        os.replace(temporary, self.path)
