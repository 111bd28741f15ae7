"""What the build holds: every file with its hash and headers; hidden files left out; Tombstones recognised."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lectern.publish.errors import OutputMissing
from lectern.publish.local_files import is_tombstone, scan_output


def test_every_file_but_hidden_ones_is_found_with_its_hash(tmp_path: Path) -> None:
    for path in (
        "index.html",
        ".well-known/host-meta",
        "c/files/w.pdf",
        ".DS_Store",
        "c/.index.html.swp",
        ".git/config",
        "c/.cache/x",
        "c/.well-known/not-top-level",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(path.encode())

    files = scan_output(tmp_path)

    assert [f.path for f in files] == [".well-known/host-meta", "c/files/w.pdf", "index.html"]
    assert files[1].sha256 == hashlib.sha256(b"c/files/w.pdf").hexdigest()
    assert files[1].content_type == "application/pdf" and files[1].size == len(b"c/files/w.pdf")


def test_tombstones_are_activitypub_documents_of_type_tombstone() -> None:
    tombstone = json.dumps({"type": "Tombstone", "formerType": "Note"}).encode()
    assert is_tombstone("ap/objects/c/r.json", tombstone)
    assert not is_tombstone("c/files/tombstone.json", tombstone)
    assert not is_tombstone("ap/objects/c/r.json", b'{"type": "Note", "summary": "Tombstone"}')
    assert not is_tombstone("ap/objects/c/r.json", b"Tombstone, not JSON")


def test_a_folder_that_is_not_a_build_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(OutputMissing) as refused:
        scan_output(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path} has no index.html, so it is not a built site: run lectern build first, or pass --output with "
        "the built folder"
    )
