"""The build manifest (`lectern.manifest`): what the build writes is what the shim reads, and anything else is refused
with what to do."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from lectern.manifest import (
    MANIFEST_FILE,
    MANIFEST_VERSION,
    BadManifest,
    Manifest,
    ManifestItem,
    ManifestTombstone,
    manifest_text,
    read_manifest,
    write_manifest,
)

SITE = "https://oer.example"
ITEM = ManifestItem(
    key="fractions/strips",
    collection="fractions",
    generation=2,
    object=f"{SITE}/ap/objects/fractions/strips-2.json",
    create=f"{SITE}/ap/creates/fractions/strips-2.json",
    page=f"{SITE}/ap/pages/fractions/strips-2.json",
    group_announce=f"{SITE}/ap/group-announces/fractions/strips-2.json",
    announce=f"{SITE}/ap/announces/fractions/strips-2.json",
    published="2026-01-02T03:04:05Z",
    updated="2026-02-01T00:00:00Z",
    hash="ab" * 32,
)
GONE = ManifestTombstone(
    "fractions/strips", "fractions", 1, f"{SITE}/ap/objects/fractions/strips.json", "2026-01-05T00:00:00Z"
)
MANIFEST = Manifest(SITE, "library", ("fractions", "geometry"), (ITEM,), (GONE,))


def written(tmp_path: Path, document: object) -> Path:
    path = tmp_path / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return tmp_path


def test_what_is_written_is_read_back(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, MANIFEST)
    assert path == tmp_path / "ap" / "manifest.json"
    assert read_manifest(tmp_path) == MANIFEST


def test_the_file_is_one_compact_line_with_the_version_first(tmp_path: Path) -> None:
    text = write_manifest(tmp_path, MANIFEST).read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.count("\n") == 1 and ": " not in text
    assert list(json.loads(text)) == ["version", "site_url", "site_actor", "collections", "items", "tombstones"]
    assert json.loads(text)["version"] == MANIFEST_VERSION


@pytest.mark.parametrize("items", [0, 1, 3], ids=["no item", "one item", "three items"])
def test_the_file_written_item_by_item_is_manifest_text(tmp_path: Path, items: int) -> None:
    manifest = replace(MANIFEST, items=tuple(replace(ITEM, key=f"fractions/r{n}") for n in range(items)))
    assert write_manifest(tmp_path, manifest).read_text(encoding="utf-8") == manifest_text(manifest)
    assert read_manifest(tmp_path) == manifest


def test_no_manifest_is_no_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_manifest(tmp_path)


def test_another_version_is_refused_with_what_to_do(tmp_path: Path) -> None:
    document = MANIFEST.to_json() | {"version": MANIFEST_VERSION + 1}
    with pytest.raises(BadManifest, match=f"version {MANIFEST_VERSION + 1}.*run 'lectern build' again"):
        read_manifest(written(tmp_path, document))
    del document["version"]
    with pytest.raises(BadManifest, match="version None"):
        read_manifest(written(tmp_path, document))


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ap").mkdir()
    (tmp_path / MANIFEST_FILE).write_text('{"version": 2, "items": [', encoding="utf-8")
    with pytest.raises(BadManifest, match="is not JSON"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST_FILE).write_text("[]", encoding="utf-8")
    with pytest.raises(BadManifest, match="not a JSON object"):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.pop("site_url"), "'site_url'"),
        (lambda d: d.update(collections="fractions"), "'collections'"),
        (lambda d: d["items"][0].pop("hash"), "'hash'"),
        (lambda d: d["items"][0].update(generation="2"), "'generation'"),
        (lambda d: d["tombstones"][0].update(deleted=None), "'deleted'"),
    ],
)
def test_a_missing_or_mistyped_field_is_named(tmp_path: Path, change: object, named: str) -> None:
    document = MANIFEST.to_json()
    change(document)  # type: ignore[operator]
    with pytest.raises(BadManifest, match=named):
        read_manifest(written(tmp_path, document))
