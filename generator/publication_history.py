"""When each resource was published, and what was removed: read from the content's git history.

A resource's `added` date is the curator's (often a date alone, months before anyone is told); what followers need
is when the resource reached them. Mastodon makes a remote status's id from its `published` time
(`Mastodon::Snowflake.id_at` in lib/mastodon/snowflake.rb, called for a past `created_at` in
app/models/status.rb) and orders home timelines by that id, so a Note published with a months-old date lands far
down the timeline, or outside the cached feed. So a Note's `published` is the moment its file first reached the
repository's history (the date of the commit that added it, following the first parent, so a merged branch
publishes at the merge), and `added` stays educational metadata and the date shown on the page.

A resource removed and later added again is a new object: Mastodon keeps a Tombstone for a deleted URI and refuses
a later Create for it (app/lib/activitypub/activity/delete.rb, `Tombstone.exists?(uri:)` in create.rb). So each
time a key (`collection/slug`) comes back after a removal it starts a new *generation*, with its own ids
(`lectern.site_paths.SitePaths.object(key, generation)`), while the ids of earlier generations keep answering
their Tombstones.

    history of a key        add ... delete ... add ... delete ... add (now)
    generations             1 ......... 1      2 ......... 2      3 (live: published at the last add)

A file not yet committed has no date in git: its publication time is the first build that saw it, kept in the
instance folder (`first-published.json`), so rebuilding gives the same bytes. Outside a git repository every
resource is dated that way. CI needs the whole history (GitHub Actions: `fetch-depth: 0`).

The key of a path is the current resource's key while the file exists, and otherwise its key at its last removal
(its `slug:` field then, or its file name). A file renamed with its `slug:` in one commit keeps its key alive: adds
are applied before removals within a commit.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from lectern.generator.tombstones import CollectionTombstone, Tombstone, git_output, old_front

logger = logging.getLogger(__name__)

FIRST_PUBLISHED_FILE = "first-published.json"


@dataclass(frozen=True)
class Publication:
    """The live generation of a resource: when it was first published, and which generation it is (1, 2, ...)."""

    published: datetime
    generation: int = 1


@dataclass(frozen=True)
class PublicationHistory:
    publications: dict[str, Publication]  # live resource key -> its publication
    tombstones: list[Tombstone]  # every removed generation of a resource, oldest removal first
    removed_collections: list[CollectionTombstone]


@dataclass(frozen=True)
class _Event:
    when: datetime
    order: int  # position in the history, oldest first; adds before removals within one commit
    path: str  # below the content folder: collection/file.md
    added: bool
    root: Path
    revision: str  # for a removal: where the file's last content can be read


@dataclass
class _KeyHistory:
    present: set[str] = field(default_factory=set)
    started: datetime | None = None  # when the open generation began
    closed: list[tuple[datetime, str, str]] = field(default_factory=list)  # (deleted, title, path) per generation


def _events(content_dir: Path) -> list[_Event]:
    """Every add and removal of a file under `content_dir`, in commits (first parent) and in the working tree."""
    top = git_output(content_dir, "rev-parse", "--show-toplevel")
    if top is None:
        return []
    root = Path(top.strip())
    prefix = content_dir.resolve().relative_to(root.resolve()).as_posix()
    log = git_output(
        root,
        "log",
        "--first-parent",
        "--no-renames",
        "--diff-filter=AD",
        "--name-status",
        "--format=%x00%H %cI",
        "--",
        prefix,
    )
    blocks = [block for block in (log or "").split("\x00") if block.strip()]
    events: list[_Event] = []
    for number, block in enumerate(reversed(blocks)):  # oldest commit first
        lines = [line for line in block.splitlines() if line.strip()]
        commit, date = lines[0].split(" ", 1)
        when = datetime.fromisoformat(date).astimezone(UTC)
        for line in lines[1:]:
            status, _tab, path = line.partition("\t")
            added = status == "A"
            relative = PurePosixPath(path).relative_to(prefix).as_posix()
            events.append(_Event(when, 2 * number + (0 if added else 1), relative, added, root, f"{commit}^"))
    last = 2 * len(blocks)
    for path in (git_output(root, "ls-files", "--deleted", "--", prefix) or "").splitlines():
        if (root / path).exists():
            continue
        stamp = (git_output(root, "log", "-1", "--format=%cI", "--", path) or "").strip()
        when = datetime.fromisoformat(stamp).astimezone(UTC) if stamp else datetime(1970, 1, 1, tzinfo=UTC)
        relative = PurePosixPath(path).relative_to(prefix).as_posix()
        events.append(_Event(when, last, relative, False, root, "HEAD"))
    return sorted(events, key=lambda e: e.order)


def _resource_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) == 2 and parts[1].endswith(".md") and parts[1] != "collection.md"


def read_publication_history(
    content_dir: Path,
    live: Mapping[str, str],
    live_collections: set[str],
    first_published: FirstPublished,
) -> PublicationHistory:
    """`live` maps each current resource's path below `content_dir` (`collection/file.md`) to its key."""
    events = _events(content_dir)
    removal_front: dict[str, tuple[str, str | None]] = {}  # path -> (title, slug) at its last removal

    def front_at_removal(event: _Event) -> tuple[str, str | None]:
        return old_front(event.root, event.revision, f"{_prefix(event.root, content_dir)}{event.path}")

    removals: dict[str, _Event] = {}  # path -> its latest removal
    for event in reversed(events):
        if not event.added and _resource_path(event.path) and event.path not in removals:
            removals[event.path] = event
            if event.path not in live:
                removal_front[event.path] = front_at_removal(event)

    def key_of(path: str) -> str | None:
        if path in live:
            return live[path]
        if path not in removal_front:
            return None
        collection = PurePosixPath(path).parts[0]
        slug = removal_front[path][1] or PurePosixPath(path).stem
        return f"{collection}/{slug}"

    histories: dict[str, _KeyHistory] = {}
    for event in events:
        if not _resource_path(event.path):
            continue
        key = key_of(event.path)
        if key is None:
            continue
        history = histories.setdefault(key, _KeyHistory())
        if event.added:
            if not history.present:
                history.started = event.when
            history.present.add(event.path)
        elif event.path in history.present:
            history.present.discard(event.path)
            if not history.present:
                latest = removal_front.get(event.path)
                is_latest = latest is not None and event is removals[event.path]
                title = latest[0] if latest is not None and is_latest else front_at_removal(event)[0]
                history.closed.append((event.when, title, event.path))
                history.started = None

    publications: dict[str, Publication] = {}
    for key in sorted(live.values()):
        history = histories.get(key, _KeyHistory())
        if history.started is not None and history.present:
            publications[key] = Publication(history.started, len(history.closed) + 1)
        else:  # not committed yet
            publications[key] = Publication(first_published.moment(key), len(history.closed) + 1)
    first_published.save()

    tombstones = []
    known_collections = live_collections | {PurePosixPath(p).parts[0] for p in live}
    removed_collections = _removed_collections(events, live_collections, content_dir)
    known_collections |= {c.slug for c in removed_collections}
    for key, history in histories.items():
        collection, slug = key.split("/", 1)
        if collection not in known_collections:
            continue
        for generation, (deleted, title, _path) in enumerate(history.closed, start=1):
            tombstones.append(Tombstone(collection, slug, title, deleted, generation))
    tombstones.sort(key=lambda t: (t.deleted, t.key, t.generation))
    return PublicationHistory(publications, tombstones, removed_collections)


def _prefix(root: Path, content_dir: Path) -> str:
    relative = content_dir.resolve().relative_to(root.resolve()).as_posix()
    return "" if relative == "." else relative + "/"


def _removed_collections(
    events: list[_Event], live_collections: set[str], content_dir: Path
) -> list[CollectionTombstone]:
    """Collections whose `collection.md` was removed and that do not exist now, oldest removal first."""
    found: dict[str, CollectionTombstone] = {}
    for event in events:
        parts = PurePosixPath(event.path).parts
        if event.added or len(parts) != 2 or parts[1] != "collection.md" or parts[0] in live_collections:
            continue
        title, _slug = old_front(event.root, event.revision, f"{_prefix(event.root, content_dir)}{event.path}")
        previous = found.get(parts[0])
        if previous is None or previous.deleted < event.when:
            found[parts[0]] = CollectionTombstone(parts[0], title, event.when)
    return sorted(found.values(), key=lambda t: (t.deleted, t.slug))


class FirstPublished:
    """The build's own record of when it first saw each resource not yet committed to git (key -> moment), in the
    instance folder. `moment` records a key the first time it is asked; `save` writes the record atomically when
    it changed. Without a folder (`None`) nothing is kept and the moment is the build's start."""

    def __init__(self, folder: Path | None, now: datetime | None = None) -> None:
        self.path = folder / FIRST_PUBLISHED_FILE if folder is not None else None
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.moments: dict[str, str] = {}
        self.changed = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            if isinstance(loaded, dict):
                self.moments = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}

    def moment(self, key: str) -> datetime:
        recorded = self.moments.get(key)
        if recorded is not None:
            try:
                return datetime.fromisoformat(recorded).astimezone(UTC)
            except ValueError:
                pass
        self.moments[key] = self.now.isoformat()
        self.changed = True
        return self.now

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.moments, indent=1, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".first-published-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            logger.warning("could not record first publication times in %s", self.path)
            return
        self.changed = False
