"""Writing a build's many small files on a thread of their own while the build renders the next ones.

A Lectern build writes about six files per resource (the page, the Note, the Page and three activities); creating a
file costs the file system more than rendering it costs Python, and the two can overlap, since a thread waiting on
the file system releases the interpreter. One writer, not more: on this project's 2-core test machine two writers
creating files in the same folders spent more time in the kernel than they saved. `BackgroundFiles.write` hands a
file to the writer and returns; at most `BACKLOG` files wait in memory, so memory stays flat whatever the size of the
site. `finish()` waits for every file and raises the first error the writer met (a full disk, say), so a build never
reports success with a file missing.

With `unchanged` (an incremental build, `lectern.incremental_output`), a file the output already holds with the same
bytes is not written at all.

`LecternWriter` is Pelican's writer with its files written the same way; the generator writes its JSON documents
through the same `BackgroundFiles`. `finish_all()` runs when Pelican has finished (`finalized`) and after every
build, failed or not, so no writer is left writing into a folder that is about to be deleted.
"""

from __future__ import annotations

import io
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from lectern.build_cache import active
from lectern.generator.page_memo import feed_key, page_key

__all__ = ["BACKLOG", "BackgroundFiles", "LecternWriter", "finish_all"]

WORKERS = 1
BACKLOG = 64


class Unchanged(Protocol):
    def skip(self, path: str, data: bytes) -> bool:
        """True when `path` need not be written: the output already holds `data` there."""
        ...

    def known(self, path: str, digest: str) -> bool:
        """True when the output already holds a file with `digest` at `path` (then it is made, unchanged)."""
        ...

    def digest_of(self, path: str) -> str | None: ...

    def size_of(self, path: str) -> int | None:
        """The size of the file the output held at `path` before this build."""
        ...


class BackgroundFiles:
    """A bounded queue of files to write, and the threads that write them."""

    def __init__(self, workers: int = WORKERS, backlog: int = BACKLOG, unchanged: Unchanged | None = None) -> None:
        self.unchanged = unchanged
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lectern-write")
        self._room = threading.BoundedSemaphore(backlog)
        self._error: BaseException | None = None
        self._pending: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._closed = False
        _open.add(self)

    def write(self, path: str | Path, data: bytes) -> None:
        """Write `data` to `path` (its folder is made if missing), soon; raises a writer's earlier error."""
        if self._error is not None:
            self.finish()
        name = os.fspath(path)
        if self.unchanged is not None and self.unchanged.skip(name, data):
            return
        with self._lock:
            earlier = self._pending.get(name)
        if earlier is not None:  # the same file again (Pelican's override): the last write must land last
            wait([earlier])
        self._room.acquire()
        future = self._pool.submit(_write, name, data)
        with self._lock:
            self._pending[name] = future
        future.add_done_callback(lambda done: self._done(name, done))

    def _done(self, name: str, future: Future[None]) -> None:
        error = future.exception()
        with self._lock:
            if self._pending.get(name) is future:
                del self._pending[name]
            if error is not None and self._error is None:
                self._error = error
        self._room.release()

    def drain(self) -> None:
        """Wait until every file handed over so far is written (others may follow); raise the first error met."""
        with self._lock:
            pending = list(self._pending.values())
        wait(pending)
        if self._error is not None:
            self.finish()

    def finish(self) -> None:
        """Wait for every file handed over; raise the first error met."""
        if not self._closed:
            self._closed = True
            self._pool.shutdown(wait=True)
            _open.discard(self)
        if self._error is not None:
            raise self._error


def _write(path: str, data: bytes) -> None:
    try:
        handle = open(path, "wb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = open(path, "wb")  # noqa: SIM115
    with handle:
        handle.write(data)


_open: set[BackgroundFiles] = set()


def finish_all(*_args: Any) -> None:
    """Wait for every writer still open; raise the first error."""
    errors = []
    for files in list(_open):
        try:
            files.finish()
        except BaseException as error:  # noqa: BLE001 (every writer must be waited for before raising)
            errors.append(error)
    if errors:
        raise errors[0]


class _PendingFile(io.StringIO):
    """What Pelican writes a page into; handed to the writers when Pelican closes it."""

    def __init__(self, files: BackgroundFiles, path: str) -> None:
        super().__init__()
        self._files = files
        self._path = path

    def close(self) -> None:
        if not self.closed:
            self._files.write(self._path, self.getvalue().encode("utf-8"))
        super().close()


class LecternWriter(Writer):  # type: ignore[misc]
    """Pelican's writer, writing its files through `BackgroundFiles` (its checks against writing a file twice
        are Pelican's own, copied from `Writer._open_w`). In an incremental build, a resource or tag page whose inputs
        hash to a key the build cache knows, with the digest the output holds, is not rendered, nor is such a feed
    (`generator.page_memo`; Pelican's `content_written` and `feed_generated` signals are not sent for them)."""

    def __init__(self, output_path: str, settings: Any = None) -> None:
        super().__init__(output_path, settings=settings)
        self.unchanged: Unchanged | None = (settings or {}).get("LECTERN_UNCHANGED")
        self.background = BackgroundFiles(unchanged=self.unchanged)
        self.rendered = 0
        self.skipped = 0

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any) -> None:
        cache = active()
        key = page_key(name, template, context, kwargs) if cache and self.unchanged and name else None
        if key is None or cache is None or self.unchanged is None:
            super().write_file(name, template, context, *args, **kwargs)
            return
        path = sanitised_join(self.output_path, name)
        digest = cache.page_digest(key)
        if digest is not None and self.unchanged.known(path, digest):
            self._written_files.add(path)
            if kwargs.get("override_output"):
                self._overridden_files.add(path)
            cache.pages_made[key] = digest
            self.skipped += 1
            return
        super().write_file(name, template, context, *args, **kwargs)
        self.rendered += 1
        made = self.unchanged.digest_of(path)
        if made is not None:
            cache.pages_made[key] = made

    def write_feed(
        self,
        elements: Any,
        context: Any,
        path: str | None = None,
        url: str | None = None,
        feed_type: str = "atom",
        override_output: bool = False,
        feed_title: str | None = None,
    ) -> Any:
        cache = active()
        items = elements[: self.settings["FEED_MAX_ITEMS"]]
        key = feed_key(items, path, url, feed_type, feed_title) if cache and self.unchanged and path else None
        if key is None or cache is None or self.unchanged is None or path is None:
            return super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)
        complete = sanitised_join(self.output_path, path)
        digest = cache.page_digest(key)
        if digest is not None and self.unchanged.known(complete, digest):
            self._written_files.add(complete)
            if override_output:
                self._overridden_files.add(complete)
            cache.pages_made[key] = digest
            self.skipped += 1
            return None
        feed = super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)
        made = self.unchanged.digest_of(complete)
        if made is not None:
            cache.pages_made[key] = made
        return feed

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            return open(os.devnull, "w", encoding=encoding)  # noqa: SIM115 (Pelican closes it)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it previously '
                "(set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _PendingFile(self.background, filename)
