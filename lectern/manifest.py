"""The build manifest, `ap/manifest.json`: the one contract between the build, which writes it, and the shim, which
plans deliveries from it (`lectern.delivery_plan`); `lectern doctor` and `lectern.built_site` read it too.

    version         MANIFEST_VERSION; a manifest of another version is refused with what to do (rebuild)
    site_url        the site URL the build was made for
    site_actor      the name of the site actor
    collections     the slugs of the live collections, sorted
    items           every live resource: its key and collection, its generation, the ids of its Note, Create, Page,
                    group Announce and Announce, its `published` and `updated`, and a hash of its rendered Note
    tombstones      every removed generation of a resource whose collection is known: key, collection, generation,
                    the object id and when it was deleted

Version 2 added generations, the group announce and `published` per item. Frozen dataclasses inside; plain JSON only
in the file, written compact, one line, keys in the order above (the same bytes for the same build).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from lectern.errors import LecternError

__all__ = [
    "MANIFEST_FILE",
    "MANIFEST_VERSION",
    "BadManifest",
    "Manifest",
    "ManifestItem",
    "ManifestTombstone",
    "read_manifest",
    "write_manifest",
]

MANIFEST_FILE = "ap/manifest.json"
MANIFEST_VERSION = 2


class BadManifest(LecternError):
    """The manifest cannot be read, is not JSON, is of another version, or lacks a field."""


@dataclass(frozen=True)
class ManifestItem:
    key: str
    collection: str
    generation: int
    object: str
    create: str
    page: str
    group_announce: str
    announce: str
    published: str
    updated: str
    hash: str


@dataclass(frozen=True)
class ManifestTombstone:
    key: str
    collection: str
    generation: int
    object: str
    deleted: str


@dataclass(frozen=True)
class Manifest:
    site_url: str
    site_actor: str
    collections: tuple[str, ...]
    items: tuple[ManifestItem, ...]
    tombstones: tuple[ManifestTombstone, ...] = ()
    version: int = MANIFEST_VERSION

    def to_json(self) -> dict[str, Any]:
        return self.to_json_with_items([_record(item) for item in self.items])

    def to_json_with_items(self, items: Any) -> dict[str, Any]:
        """`to_json` with `items` in place of the items' records (`write_manifest` writes them one by one)."""
        return {
            "version": self.version,
            "site_url": self.site_url,
            "site_actor": self.site_actor,
            "collections": list(self.collections),
            "items": items,
            "tombstones": [_record(tombstone) for tombstone in self.tombstones],
        }

    @classmethod
    def from_json(cls, raw: Any, source: str = "the manifest") -> Manifest:
        """The manifest `raw` holds; BadManifest naming `source` and the field when it is not one."""
        if not isinstance(raw, dict):
            raise BadManifest(f"{source} is not a JSON object: run 'lectern build' again")
        version = raw.get("version")
        if version != MANIFEST_VERSION:
            raise BadManifest(
                f"{source} is of version {version!r}, but this Lectern reads version {MANIFEST_VERSION}: "
                "run 'lectern build' again with this version"
            )
        collections = _field(raw, "collections", list, source)
        if not all(isinstance(slug, str) for slug in collections):
            raise BadManifest(f"{source}: 'collections' must be a list of names: run 'lectern build' again")
        return cls(
            site_url=_field(raw, "site_url", str, source),
            site_actor=_field(raw, "site_actor", str, source),
            collections=tuple(collections),
            items=tuple(
                _typed(ManifestItem, entry, f"{source}: items") for entry in _field(raw, "items", list, source)
            ),
            tombstones=tuple(
                _typed(ManifestTombstone, entry, f"{source}: tombstones")
                for entry in _field(raw, "tombstones", list, source)
            ),
        )


def _record(entry: ManifestItem | ManifestTombstone) -> dict[str, Any]:
    return {field.name: getattr(entry, field.name) for field in fields(entry)}


def _field(raw: dict[str, Any], name: str, kind: type, source: str) -> Any:
    value = raw.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadManifest(f"{source}: {name!r} is missing or not a {kind.__name__}: run 'lectern build' again")
    return value


Entry = TypeVar("Entry", ManifestItem, ManifestTombstone)


def _typed(kind: type[Entry], raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise BadManifest(f"{where}: an entry is not a JSON object: run 'lectern build' again")
    values: dict[str, Any] = {}
    for field in fields(kind):
        expected = int if field.name == "generation" else str
        values[field.name] = _field(raw, field.name, expected, f"{where}: {raw.get('key', '?')!s:.200}")
    return kind(**values)


def manifest_text(manifest: Manifest) -> str:
    """Compact JSON on one line, as every document of a build."""
    return json.dumps(manifest.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"


def write_manifest(output_dir: Path, manifest: Manifest) -> Path:
    """`manifest_text`, written an item at a time: for a site of 5,000 resources its text, its bytes and its JSON
    form at once were a twentieth of a build's peak memory."""
    path = output_dir / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    before, after = _compact(manifest.to_json_with_items(None)).split('"items":null')
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f'{before}"items":[')
        for number, item in enumerate(manifest.items):
            handle.write(("," if number else "") + _compact(_record(item)))
        handle.write(f"]{after}\n")
    return path


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_manifest(output_dir: Path) -> Manifest:
    """The manifest of the build in `output_dir`. FileNotFoundError when there is none (no build); BadManifest when
    it cannot be read or is not a manifest of this version."""
    path = output_dir / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise BadManifest(f"{path} cannot be read ({error}): run 'lectern build' again") from None
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise BadManifest(f"{path} is not JSON ({error}): run 'lectern build' again") from None
    return Manifest.from_json(raw, str(path))
