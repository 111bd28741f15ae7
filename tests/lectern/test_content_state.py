"""Which content files may have changed between two scans, told from their sizes, times and inodes alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from lectern.content_state import (
    COARSE_RACY_MARGIN_NS,
    RACY_MARGIN_NS,
    ContentState,
    edited_since,
    scan_content,
    with_own_writes,
)

AN_HOUR = 3600 * 10**9


def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content" / "fractions"
    folder.mkdir(parents=True)
    (folder / "collection.md").write_text("title: Fractions\n", encoding="utf-8")
    (folder / "strips.md").write_text("title: Strips\n\nNotes.\n", encoding="utf-8")
    an_hour_ago = time.time_ns() - AN_HOUR
    for path in folder.iterdir():
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return tmp_path / "content"


def test_untouched_files_are_not_edited_and_an_edited_one_is(tmp_path: Path) -> None:
    folder = content(tmp_path)
    before = scan_content(folder, tmp_path / "instance")
    assert sorted(before.files) == ["fractions/collection.md", "fractions/strips.md"]
    assert edited_since(before, scan_content(folder, tmp_path / "instance")) == []
    (folder / "fractions" / "strips.md").write_text("title: Strips\n\nOther notes.\n", encoding="utf-8")
    assert edited_since(before, scan_content(folder, tmp_path / "instance")) == ["fractions/strips.md"]


def test_a_file_rewritten_with_its_size_and_time_kept_is_still_seen_by_its_inode_or_change_time(
    tmp_path: Path,
) -> None:
    folder = content(tmp_path)
    before = scan_content(folder, tmp_path / "instance")
    path = folder / "fractions" / "strips.md"
    stat = path.stat()
    replacement = path.with_name("new.tmp")
    replacement.write_text("title: Strips\n\nNOTES.\n", encoding="utf-8")
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(replacement, path)  # as an editor saves: same size, same time, another file
    assert edited_since(before, scan_content(folder, tmp_path / "instance")) == ["fractions/strips.md"]


def test_a_file_added_or_removed_is_no_list_of_edits(tmp_path: Path) -> None:
    folder = content(tmp_path)
    before = scan_content(folder, tmp_path / "instance")
    (folder / "fractions" / "more.md").write_text("title: More\n", encoding="utf-8")
    assert edited_since(before, scan_content(folder, tmp_path / "instance")) is None
    (folder / "fractions" / "more.md").unlink()
    (folder / "fractions" / "strips.md").unlink()
    assert edited_since(before, scan_content(folder, tmp_path / "instance")) is None


def state(started_ns: int, mtime_ns: int) -> ContentState:
    return ContentState(started_ns, {"a/b.md": (10, mtime_ns, mtime_ns, 7)}, ())


@pytest.mark.parametrize(
    ("started", "changed", "racy"),
    [
        (10**12 + 1, 10**12 + 1 - RACY_MARGIN_NS - 1, False),  # just old enough
        (10**12 + 1, 10**12 + 1 - RACY_MARGIN_NS, True),  # within the clock's tick of the scan: read it again
        (10**12 + 1, 10**12 + 2, True),  # changed after the scan began, unchanged since
        (10**12, 10**12 - COARSE_RACY_MARGIN_NS, True),  # a file system of whole seconds: the larger margin
        (10**12, 10**12 - COARSE_RACY_MARGIN_NS - 10**9, False),
    ],
)
def test_a_file_changed_close_to_the_scan_counts_as_edited(started: int, changed: int, racy: bool) -> None:
    """Unchanged times do not prove unchanged bytes when the file changed within the clock's tick of the scan."""
    before = state(started, changed)
    assert edited_since(before, state(started + AN_HOUR, changed)) == (["a/b.md"] if racy else [])


def test_a_commit_or_a_first_publication_is_no_list_of_edits(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = content(tmp_path)
    environment = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org"}
    environment |= {"GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "content"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=environment, check=True, capture_output=True)
    instance = tmp_path / "instance"
    before = scan_content(folder, instance)
    assert len(before.others) == 5  # first publications; git's HEAD, deleted files, packed refs, branch
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "again"], cwd=tmp_path, env=environment, check=True)
    assert edited_since(before, scan_content(folder, instance)) is None
    before = scan_content(folder, instance)
    subprocess.run(["git", "status"], cwd=tmp_path, check=True, capture_output=True)  # (rewrites the index)
    assert edited_since(before, scan_content(folder, instance)) == []
    (folder / "fractions" / "strips.md").unlink()
    subprocess.run(["git", "rm", "-q", "--cached", "content/fractions/strips.md"], cwd=tmp_path, check=True)
    before = scan_content(folder, instance)
    subprocess.run(["git", "reset", "-q", "--", "content/fractions/strips.md"], cwd=tmp_path, check=True)
    assert edited_since(before, scan_content(folder, instance)) is None  # the file is a removal again
    before = scan_content(folder, instance)
    instance.mkdir()
    (instance / "first-published.json").write_text("{}", encoding="utf-8")
    assert edited_since(before, scan_content(folder, instance)) is None
    assert edited_since(with_own_writes(before, instance), scan_content(folder, instance)) == []
