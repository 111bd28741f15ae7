"""Pure: from the build, the bucket's listing and what is known of its objects, decide what a publish does.

A file is uploaded when the bucket has no object at its path, or the object's recorded sha256 differs (content
changed), or its recorded Content-Type or Cache-Control differs (headers changed: a header change alone counts).
With `delete`, objects the build no longer has are deleted, except ActivityPub Tombstones, which stand in for
deleted resources and must stay. Only paths under the prefix are ever listed, so nothing outside it is touched.

Uploads come in two waves: first the files others point to (objects, activities, hosted files, images, styles), then
the pages and collections that point to them (HTML, actors and outboxes, feeds, discovery documents), so no page or
outbox links to a file that is not there yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lectern.content_types import is_activitypub
from lectern.publish.local_files import LocalFile
from lectern.publish.manifest import Entry

NEW = "new"
CONTENT = "content changed"
HEADERS = "headers changed"


@dataclass(frozen=True)
class RemoteObject:
    """One object of the bucket's listing, by path (its key without the prefix)."""

    path: str
    etag: str
    size: int


@dataclass(frozen=True)
class Plan:
    uploads: tuple[LocalFile, ...]
    reasons: Mapping[str, str]
    unchanged: tuple[LocalFile, ...]
    deletions: tuple[str, ...]
    kept_tombstones: tuple[str, ...]
    stale: tuple[str, ...] = field(default=())  # objects the build no longer has, left alone without --delete

    @property
    def changes(self) -> bool:
        return bool(self.uploads or self.deletions)

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.uploads)


def trusted_entries(manifest: Mapping[str, Entry], listing: Mapping[str, RemoteObject]) -> dict[str, Entry]:
    """The manifest's entries that still describe the bucket: the listing shows the same ETag and size."""
    return {
        path: entry
        for path, entry in manifest.items()
        if (remote := listing.get(path)) is not None and remote.etag == entry.etag and remote.size == entry.size
    }


def paths_to_head(
    files: Iterable[LocalFile], listing: Mapping[str, RemoteObject], known: Mapping[str, Entry]
) -> list[str]:
    """Objects worth a HEAD to read their metadata: listed, unknown, and the same size as the local file."""
    return [f.path for f in files if f.path not in known and (r := listing.get(f.path)) and r.size == f.size]


def paths_to_inspect(
    files: Iterable[LocalFile], listing: Mapping[str, RemoteObject], known: Mapping[str, Entry]
) -> list[str]:
    """Objects the build no longer has that might be Tombstones: unknown ActivityPub documents (their body says)."""
    local = {f.path for f in files}
    return sorted(p for p in listing if p not in local and p not in known and is_activitypub(p))


def change_reason(file: LocalFile, entry: Entry | None) -> str | None:
    if entry is None:
        return NEW
    if entry.sha256 != file.sha256 or entry.size != file.size:
        return CONTENT
    if entry.content_type != file.content_type or entry.cache_control != file.cache_control:
        return HEADERS
    return None


def make_plan(
    files: Iterable[LocalFile],
    listing: Mapping[str, RemoteObject],
    known: Mapping[str, Entry],
    delete: bool,
) -> Plan:
    """What to upload and delete. `known` holds what is known of listed objects (trusted manifest, HEADs, GETs)."""
    files = list(files)
    uploads: list[LocalFile] = []
    unchanged: list[LocalFile] = []
    reasons: dict[str, str] = {}
    for file in files:
        reason = change_reason(file, known.get(file.path) if file.path in listing else None)
        if reason is None:
            unchanged.append(file)
        else:
            uploads.append(file)
            reasons[file.path] = reason
    local = {f.path for f in files}
    gone = sorted(p for p in listing if p not in local)
    tombstones = tuple(p for p in gone if (entry := known.get(p)) is not None and entry.tombstone)
    removable = tuple(p for p in gone if p not in tombstones)
    return Plan(
        uploads=tuple(sorted(uploads, key=upload_order)),
        reasons=reasons,
        unchanged=tuple(unchanged),
        deletions=removable if delete else (),
        kept_tombstones=tombstones if delete else (),
        stale=() if delete else removable,
    )


def is_index(path: str) -> bool:
    """Whether the file at `path` points to others, so it goes up in the second wave."""
    return (
        path.endswith((".html", ".atom.xml", ".rss.xml"))
        or path.startswith(("ap/actors/", ".well-known/", "nodeinfo/"))
        or path == "ap/webfinger.json"
    )


def upload_order(file: LocalFile) -> tuple[bool, str]:
    return is_index(file.path), file.path


def waves(uploads: Iterable[LocalFile]) -> tuple[list[LocalFile], list[LocalFile]]:
    """The uploads split into the files pointed to, then the files pointing to them."""
    uploads = list(uploads)
    return [f for f in uploads if not is_index(f.path)], [f for f in uploads if is_index(f.path)]
