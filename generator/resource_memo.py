"""The resources an earlier build read, by the bytes they were read from, so a rebuild reads only the files it must.

`load_site` checks and reads every resource file on every build: on a site of 5,000 resources, one to two seconds,
most of a rebuild after one edit. A resource file read without a problem gives the same `Resource` whenever it
holds the same text, sits at the same place in the same collection and is read with the same time zone and the
same code: `ResourceMemo.key` hashes these. Two things a file does not hold are left out of the memo, so that what
`load_site` reports never depends on it: a resource that hosts files (`files:`, checked against the folder on each
build) and any file with a problem (problems are found again, and a date "in the future" is judged against the
time of the build; a date in the past stays in the past, so a resource read without a problem stays so).

The memo is one file beside the build cache (`lectern.build_cache.cache_root`), a file of pickles by key
(`generator.indexed_pickles`) made for the digest of Lectern's code and libraries (`lectern.build_cache.code_digest`:
another code starts from an empty memo), each unpickled when a build asks for it. A build keeps only the entries it
used (`save`), so the memo never grows past one site's worth; those it found are copied as the bytes they were read
as, and only the resources it read are pickled (after one edit, one). A memo that cannot be read is an empty memo.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from lectern.generator import indexed_pickles
from lectern.generator.content_model import Resource

__all__ = ["MEMO_FILE", "ResourceMemo"]

MEMO_FILE = "resources.pickle"
PROTOCOL = indexed_pickles.PROTOCOL


class ResourceMemo:
    """Resources by `key`; see the module docstring."""

    def __init__(
        self, path: Path | None, code: str, index: dict[str, tuple[int, int]] | None = None, data: bytes = b""
    ) -> None:
        self.path = path
        self.code = code
        self._index = index or {}  # key -> where its pickle is in `_data`
        self._data = data
        self._found: dict[str, tuple[int, int]] = {}  # the entries of `_index` this build used
        self.used: dict[str, Resource] = {}
        self.file_keys: dict[str, str] = {}  # every resource file's key by its path, for `generator.article_memo`

    def __len__(self) -> int:
        return len(self._index)

    @classmethod
    def load(cls, folder: Path, code: str) -> ResourceMemo:
        path = folder / MEMO_FILE
        found = indexed_pickles.read(path, code)
        if found is None:
            return cls(path, code)
        index, data = found
        return cls(path, code, {key: (where[0], where[1]) for key, where in index.items()}, data)

    def key(self, rel: str, text: str, collection: str, zone: object) -> str:
        parts = repr((self.code, rel, collection, str(zone), text))
        return hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Resource | None:
        where = self._index.get(key)
        if where is None:
            return None
        offset, length = where
        try:
            found = pickle.loads(self._data[offset : offset + length])
        except Exception:  # noqa: BLE001 (an entry that cannot be read is one not kept)
            return None
        if isinstance(found, Resource):
            self.used[key] = found
            self._found[key] = where
            return found
        return None

    def keep(self, key: str, resource: Resource) -> None:
        if not resource.files:
            self.used[key] = resource

    def save(self) -> None:
        """Keep the entries this build used (when they differ from those it found)."""
        if self.path is None or (self._found == self._index and len(self.used) == len(self._found)):
            return
        data = memoryview(self._data)
        entries = (
            (key, data[where[0] : where[0] + where[1]] if where is not None else pickle.dumps(resource, PROTOCOL), ())
            for key, resource in self.used.items()
            for where in (self._found.get(key),)
        )
        indexed_pickles.write(self.path, self.code, entries)
