"""What was removed: a resource generation or a collection that git saw deleted, and how to read old files.

A removed generation of a resource becomes a tombstone: its object id answers with a `Tombstone` (ActivityStreams
2.0, 5.4) and, unless the resource is back, its page with a "gone" page, so servers that fetch it learn it is gone
rather than broken. The deletion time is the commit's date (or, for a deletion not yet committed, the date of the
file's last commit), which keeps the build deterministic. `generator.publication_history` finds them; outside a git
repository, or when git is missing, there are none: the shim still tells followers about the deletion from its own
record of what it delivered.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from lectern.generator.front_matter import parse_front_matter


@dataclass(frozen=True)
class Tombstone:
    collection: str
    slug: str
    title: str
    deleted: datetime
    generation: int = 1

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.slug}"


def git_output(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def old_front(root: Path, revision: str, path: str) -> tuple[str, str | None]:
    """(title, slug field) of a file as it was at `revision`."""
    text = git_output(root, "show", f"{revision}:{path}") or ""
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
