"""Publication times, generations and removals are read from the content's git history."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from lectern.generator.publication_history import (
    FirstPublished,
    Publication,
    PublicationHistory,
    read_publication_history,
)
from lectern.generator.tombstones import CollectionTombstone, Tombstone

RESOURCE = "---\ntitle: {title}\n---\n"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def history(content: Path, live: dict[str, str], collections: set[str] | None = None) -> PublicationHistory:
    """`live`: path below the content folder -> key, as the build passes it."""
    found = collections if collections is not None else {path.split("/")[0] for path in live}
    return read_publication_history(content, live, found, FirstPublished(None, NOW))


def find_tombstones(content: Path, live_keys: set[str]) -> list[Tombstone]:
    live = {f"{key}.md": key for key in live_keys}
    return history(content, live, {k.split("/")[0] for k in live_keys}).tombstones


def find_removed_collections(content: Path, live_collections: set[str]) -> list[CollectionTombstone]:
    return history(content, {}, live_collections).removed_collections


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


def test_a_resource_added_again_is_a_new_generation_and_the_old_one_stays_a_tombstone(tmp_path: Path) -> None:
    content = tmp_path / "content" / "fractions"
    content.mkdir(parents=True)
    (content / "halves.md").write_text(RESOURCE.format(title="Halves"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "rm", "-q", "content/fractions/halves.md")
    git(tmp_path, "commit", "-qm", "remove", date="2026-02-01T10:00:00+00:00")
    content.mkdir(parents=True, exist_ok=True)
    (content / "halves.md").write_text(RESOURCE.format(title="Halves again"))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "back", date="2026-03-01T10:00:00+00:00")

    found = history(tmp_path / "content", {"fractions/halves.md": "fractions/halves"})
    assert found.publications == {"fractions/halves": Publication(datetime(2026, 3, 1, 10, tzinfo=UTC), 2)}
    assert [(t.key, t.generation, t.title, t.deleted.isoformat()) for t in found.tombstones] == [
        ("fractions/halves", 1, "Halves", "2026-02-01T10:00:00+00:00")
    ]

    (content / "halves.md").unlink()  # removed again, not yet committed: the second generation is gone too
    again = history(tmp_path / "content", {}, {"fractions"})
    assert [(t.generation, t.title) for t in again.tombstones] == [(1, "Halves"), (2, "Halves again")]


def test_published_is_when_the_file_reached_the_history_not_its_added_date(tmp_path: Path) -> None:
    content = tmp_path / "content" / "fractions"
    content.mkdir(parents=True)
    (content / "halves.md").write_text("---\ntitle: Halves\nadded: 2024-01-01\n---\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start", date="2026-05-04T09:30:00+00:00")
    (content / "thirds.md").write_text(RESOURCE.format(title="Thirds"))  # not committed yet

    record = tmp_path / "instance"
    first = read_publication_history(
        tmp_path / "content",
        {"fractions/halves.md": "fractions/halves", "fractions/thirds.md": "fractions/thirds"},
        {"fractions"},
        FirstPublished(record, NOW),
    )
    assert first.publications["fractions/halves"] == Publication(datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
    assert first.publications["fractions/thirds"] == Publication(NOW)  # first seen by this build
    later = read_publication_history(
        tmp_path / "content",
        {"fractions/halves.md": "fractions/halves", "fractions/thirds.md": "fractions/thirds"},
        {"fractions"},
        FirstPublished(record, datetime(2026, 7, 1, tzinfo=UTC)),
    )
    assert later.publications == first.publications  # the record keeps the build deterministic


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
