"""`lectern serve --reload`: rebuild when the content, the settings file or the theme changes, and say so.

A thread polls the modification times and sizes of every file under `content/` and the theme and of the settings
file (ten times a second; a stat of each file, a few milliseconds for a thousand resources; on a larger site, less
often, so that polling takes at most a tenth of the thread's time). When any changed, it
runs a preview build (`lectern.build.build_site(preview=True)`): incremental through the build cache (after an
edit of resources' notes alone, a quick rebuild of their pages: `lectern.quick_rebuild`), and never delivered to
followers. Each outcome moves `ReloadState.version` on: a good build also moves `build` on and clears
`problem`; a failed one (a half-saved file, a theme error) sets `problem` to its message and leaves the last good
build in place, since a failed build writes nothing.

The shim's reload endpoint (`federation_shim.reload_endpoint`) hands the state to the pages open in a browser,
which reload themselves when `build` moves on and show `problem` while there is one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lectern.errors import LecternError
from lectern.settings import Settings

__all__ = ["LiveReload", "ReloadState", "watched_files"]

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1
POLL_SHARE = 0.1  # of the watching thread's time, at most, spent polling
Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class ReloadState:
    version: int  # moves on with every build, good or not
    build: int  # moves on with every good build
    problem: str | None  # why the last build failed, while the last good build is served


def _ignored(name: str) -> bool:
    """An editor's lock, swap and backup files: their coming and going is not an edit."""
    return name.startswith((".#", ".")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def watched_files(settings: Settings) -> Snapshot:
    """Modification time and size of every file a build reads, by path."""
    found: Snapshot = {}
    for top in (settings.content_dir, settings.theme_dir):
        for folder, folders, files in os.walk(top):
            folders[:] = sorted(f for f in folders if not _ignored(f))
            for name in files:
                if _ignored(name):
                    continue
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue  # deleted between the listing and the stat: the next poll sees it gone
                found[path] = (stat.st_mtime_ns, stat.st_size)
    try:
        stat = os.stat(settings.settings_file)
        found[str(settings.settings_file)] = (stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        pass
    return found


class LiveReload:
    """Polls for changes and rebuilds; `state` is safe to read from any thread."""

    def __init__(
        self,
        settings: Settings,
        build: Callable[[], object],
        poll: float = POLL_SECONDS,
        tell: Callable[[str, bool], None] | None = None,
    ) -> None:
        """`tell(message, is_problem)` says what happened to the person watching (the command prints it); by default
        it is logged."""
        self.settings = settings
        self._build = build
        self._tell = tell or _log
        self._poll = poll
        self._interval = poll
        self._seen: Snapshot = {}
        self._lock = threading.Lock()
        self._state = ReloadState(0, 0, None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> ReloadState:
        with self._lock:
            return self._state

    def build_now(self) -> ReloadState:
        """Build what is there now (and remember it as seen)."""
        self._seen = watched_files(self.settings)
        problem: str | None = None
        try:
            self._build()
        except LecternError as error:
            problem = str(error)
            self._tell(f"lectern: {problem}\nlectern: still serving the last good build.", True)
        except Exception as error:  # a rebuild must never stop the server; the next edit gets another try
            logger.exception("the preview build failed")
            problem = f"the build failed: {type(error).__name__}: {error}"
        with self._lock:
            previous = self._state
            self._state = ReloadState(previous.version + 1, previous.build + (problem is None), problem)
            return self._state

    def check(self) -> ReloadState | None:
        """Rebuild if anything changed since the last build; the new state, or None when nothing changed."""
        started = time.perf_counter()
        unchanged = watched_files(self.settings) == self._seen
        self._interval = max(self._poll, (time.perf_counter() - started) / POLL_SHARE)
        if unchanged:
            return None
        state = self.build_now()
        if state.problem is None:
            self._tell(f"Rebuilt after a change (build {state.build}).", False)
        return state

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lectern-live-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()


def _log(message: str, is_problem: bool) -> None:
    logger.log(logging.WARNING if is_problem else logging.INFO, "%s", message)


def preview_builder(settings: Settings) -> Callable[[], object]:
    """The build `lectern serve --reload` runs on each change."""
    from lectern.build import build_site

    def build() -> object:
        return build_site(settings, preview=True)

    return build
