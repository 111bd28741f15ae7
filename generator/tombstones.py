"""Resources that were deleted: read from the content's git history, so the build needs no state of its own.

A resource file that git saw deleted (in a commit, or deleted from the working tree but still tracked) and that no
current file replaces becomes a tombstone: its object id answers with a `Tombstone` (ActivityStreams 2.0, 5.4) and its
page with a "gone" page, so servers that fetch it learn it is gone rather than broken. The deletion time is the
commit's date (or, for a deletion not yet committed, the date of the file's last commit), which keeps the build
deterministic. Outside a git repository, or when git is missing, there are no tombstones: the shim still tells
followers about the deletion from its own record of what it delivered.

CI must check out the whole history (GitHub Actions: `fetch-depth: 0`) for tombstones to survive a fresh clone.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from generator.front_matter import parse_front_matter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tombstone:
    collection: str
    slug: str
    title: str
    deleted: datetime

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.slug}"


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _old_front(root: Path, revision: str, path: str) -> tuple[str, str | None]:
    """(title, slug field) of a file as it was at `revision`."""
    text = _git(root, "show", f"{revision}:{path}") or ""
    front, _problems = parse_front_matter(path, text)
    title = front.fields["title"].value if "title" in front.fields else PurePosixPath(path).stem
    slug = front.fields["slug"].value if "slug" in front.fields else None
    return title, slug


@dataclass(frozen=True)
class CollectionTombstone:
    """A collection whose `collection.md` was deleted (and not added again)."""

    slug: str
    title: str
    deleted: datetime


@dataclass(frozen=True)
class _Deletion:
    root: Path
    path: str  # from the repository's root
    parts: tuple[str, ...]  # below the content folder: (collection, file)
    revision: str  # where the file's last content can be read
    deleted: datetime


def _deletions(content_dir: Path) -> list[_Deletion]:
    """Every file under `content_dir` that git saw deleted, in a commit or in the working tree, newest first."""
    top = _git(content_dir, "rev-parse", "--show-toplevel")
    if top is None:
        return []
    root = Path(top.strip())
    prefix = content_dir.resolve().relative_to(root.resolve()).as_posix()
    found: list[_Deletion] = []

    def add(path: str, revision: str, deleted: datetime) -> None:
        if not (root / path).exists():
            found.append(_Deletion(root, path, PurePosixPath(path).relative_to(prefix).parts, revision, deleted))

    log = _git(root, "log", "--no-renames", "--diff-filter=D", "--name-only", "--format=%x00%H %cI", "--", prefix)
    for block in (log or "").split("\x00"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        commit, date = lines[0].split(" ", 1)
        for path in lines[1:]:
            add(path, f"{commit}^", datetime.fromisoformat(date))
    deleted_now = _git(root, "ls-files", "--deleted", "--", prefix) or ""
    for path in deleted_now.splitlines():
        last = (_git(root, "log", "-1", "--format=%cI", "--", path) or "").strip()
        add(path, "HEAD", datetime.fromisoformat(last) if last else datetime(1970, 1, 1, tzinfo=UTC))
    return found


def find_removals(
    content_dir: Path, live_keys: set[str], live_collections: set[str]
) -> tuple[list[Tombstone], list[CollectionTombstone]]:
    """Both of the below from one reading of the git history (what a build needs)."""
    deletions = _deletions(content_dir)
    return _tombstones(deletions, live_keys), _removed_collections(deletions, live_collections)


def find_tombstones(content_dir: Path, live_keys: set[str]) -> list[Tombstone]:
    """Deleted resources under `content_dir` whose key no current resource uses, oldest deletion first."""
    return _tombstones(_deletions(content_dir), live_keys)


def find_removed_collections(content_dir: Path, live_collections: set[str]) -> list[CollectionTombstone]:
    """Collections whose `collection.md` was deleted and that do not exist now, oldest removal first."""
    return _removed_collections(_deletions(content_dir), live_collections)


def _tombstones(deletions: list[_Deletion], live_keys: set[str]) -> list[Tombstone]:
    found: dict[str, Tombstone] = {}
    for deletion in deletions:
        _add(found, deletion, live_keys)
    return sorted(found.values(), key=lambda t: (t.deleted, t.key))


def _removed_collections(deletions: list[_Deletion], live_collections: set[str]) -> list[CollectionTombstone]:
    found: dict[str, CollectionTombstone] = {}
    for deletion in deletions:
        parts = deletion.parts
        if len(parts) != 2 or parts[1] != "collection.md" or parts[0] in live_collections:
            continue
        title, _slug = _old_front(deletion.root, deletion.revision, deletion.path)
        previous = found.get(parts[0])
        if previous is None or previous.deleted < deletion.deleted:
            found[parts[0]] = CollectionTombstone(parts[0], title, deletion.deleted.astimezone(UTC))
    return sorted(found.values(), key=lambda t: (t.deleted, t.slug))


def _add(found: dict[str, Tombstone], deletion: _Deletion, live_keys: set[str]) -> None:
    parts = deletion.parts
    if len(parts) != 2 or not parts[1].endswith(".md") or parts[1] == "collection.md":
        return
    root, revision, deleted = deletion.root, deletion.revision, deletion.deleted
    title, slug = _old_front(root, revision, deletion.path)
    tombstone = Tombstone(parts[0], slug or PurePosixPath(parts[1]).stem, title, deleted.astimezone(UTC))
    if tombstone.key in live_keys:
        return
    previous = found.get(tombstone.key)
    if previous is None or previous.deleted < tombstone.deleted:
        found[tombstone.key] = tombstone
