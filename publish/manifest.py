"""The record a publish leaves in the bucket: for every object it knows, the hash and headers it was uploaded with.

One gzipped JSON object at `<prefix>_lectern/publish-manifest.json.gz`, so the next publish learns the state of
20,000 objects with one GET and a listing, instead of a HEAD per object. It is only a cache: an entry counts when the
listing still shows the same ETag and size (so objects changed by someone else, or a manifest left stale by an
interrupted publish, are noticed), and a missing or unreadable manifest only costs HEAD requests. The ETag is compared
with the one recorded, never with an MD5 of the file, so multipart uploads and SSE-KMS buckets work the same way.

    {"version": 1, "headers": [[content_type, cache_control], ...],
     "objects": {path: [sha256, etag, size, header_index, tombstone], ...},
     "pending_invalidation": [url_path, ...]}

`pending_invalidation` holds the CDN paths of files uploaded by a publish whose invalidation did not happen (the
upload or the CDN failed midway), so the next publish invalidates them even though nothing else changed.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_PATH = "_lectern/publish-manifest.json.gz"
VERSION = 1


@dataclass(frozen=True)
class Entry:
    """What is known of one object in the bucket."""

    sha256: str
    etag: str
    size: int
    content_type: str
    cache_control: str
    tombstone: bool = False


@dataclass(frozen=True)
class Manifest:
    entries: dict[str, Entry] = field(default_factory=dict)
    pending_invalidation: tuple[str, ...] = ()


def encode(entries: Mapping[str, Entry], pending_invalidation: Iterable[str] = ()) -> bytes:
    """The manifest's bytes; the same entries always give the same bytes."""
    headers: dict[tuple[str, str], int] = {}
    objects: dict[str, list[Any]] = {}
    for path in sorted(entries):
        entry = entries[path]
        index = headers.setdefault((entry.content_type, entry.cache_control), len(headers))
        objects[path] = [entry.sha256, entry.etag, entry.size, index, int(entry.tombstone)]
    document = {
        "version": VERSION,
        "headers": [list(pair) for pair in headers],
        "objects": objects,
        "pending_invalidation": sorted(set(pending_invalidation)),
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def decode(data: bytes) -> Manifest:
    """The manifest in `data`; an unreadable one (another version, damaged) counts as empty: it is only a cache."""
    try:
        document = json.loads(gzip.decompress(data))
        if document.get("version") != VERSION:
            raise ValueError(f"version {document.get('version')!r}")
        headers = [(str(kind), str(cache)) for kind, cache in document["headers"]]
        entries = {}
        for path, (sha, etag, size, index, tombstone) in document["objects"].items():
            kind, cache = headers[index]
            entries[str(path)] = Entry(str(sha), str(etag), int(size), kind, cache, bool(tombstone))
        pending = tuple(str(url) for url in document.get("pending_invalidation", []))
        return Manifest(entries, pending)
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        logger.warning("the publish manifest in the bucket cannot be read (%s); checking objects one by one", error)
        return Manifest()
