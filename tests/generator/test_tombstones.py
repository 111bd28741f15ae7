"""Deleted resources are found in the content's git history."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.tombstones import find_removed_collections, find_tombstones

RESOURCE = "---\ntitle: {title}\n---\n"


def git(root: Path, *args: str, date: str = "2026-01-01T10:00:00+00:00") -> None:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "PATH": "/usr/bin:/bin"}
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
        env=env,
    )


def test_deleted_renamed_and_uncommitted_deletions_become_tombstones(tmp_path: Path) -> None:
    content = tmp_path / "content" / "fractions"
    content.mkdir(parents=True)
    for slug in ("halves", "thirds", "quarters", "fifths"):
        (content / f"{slug}.md").write_text(RESOURCE.format(title=slug.title()))
    (content / "collection.md").write_text(RESOURCE.format(title="Fractions"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "rm", "-q", "content/fractions/halves.md")
    git(tmp_path, "mv", "content/fractions/thirds.md", "content/fractions/one-third.md")
    git(tmp_path, "commit", "-qm", "remove halves, rename thirds", date="2026-02-03T08:00:00+00:00")
    (content / "quarters.md").unlink()  # deleted, not yet committed

    found = find_tombstones(tmp_path / "content", {"fractions/one-third", "fractions/fifths"})
    assert [(t.key, t.title, t.deleted.isoformat()) for t in found] == [
        ("fractions/quarters", "Quarters", "2026-01-01T10:00:00+00:00"),
        ("fractions/halves", "Halves", "2026-02-03T08:00:00+00:00"),
        ("fractions/thirds", "Thirds", "2026-02-03T08:00:00+00:00"),
    ]


def test_a_resource_added_again_is_no_tombstone(tmp_path: Path) -> None:
    content = tmp_path / "content" / "fractions"
    content.mkdir(parents=True)
    (content / "halves.md").write_text(RESOURCE.format(title="Halves"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "rm", "-q", "content/fractions/halves.md")
    git(tmp_path, "commit", "-qm", "remove")
    content.mkdir(parents=True, exist_ok=True)
    (content / "halves.md").write_text(RESOURCE.format(title="Halves again"))
    assert find_tombstones(tmp_path / "content", {"fractions/halves"}) == []


def test_outside_git_there_are_no_tombstones(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    assert find_tombstones(tmp_path / "content", set()) == []


def test_a_removed_collection_is_found_with_its_title_and_one_added_again_is_not(tmp_path: Path) -> None:
    for slug, title in (("fractions", "Fractions"), ("python", "Python basics"), ("physics", "Physics")):
        folder = tmp_path / "content" / slug
        folder.mkdir(parents=True)
        (folder / "collection.md").write_text(RESOURCE.format(title=title))
        (folder / "first.md").write_text(RESOURCE.format(title="First"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "rm", "-q", "-r", "content/python", "content/physics")
    git(tmp_path, "commit", "-qm", "remove two", date="2026-03-04T09:00:00+00:00")
    (tmp_path / "content" / "physics").mkdir()
    (tmp_path / "content" / "physics" / "collection.md").write_text(RESOURCE.format(title="Physics, again"))

    removed = find_removed_collections(tmp_path / "content", {"fractions", "physics"})
    assert [(c.slug, c.title, c.deleted.isoformat()) for c in removed] == [
        ("python", "Python basics", "2026-03-04T09:00:00+00:00")
    ]
    assert [t.key for t in find_tombstones(tmp_path / "content", {"fractions/first"})] == [
        "physics/first",
        "python/first",
    ]
