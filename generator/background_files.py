"""Writing a build's many small files in a process of their own while the build renders the next ones.

A Lectern build writes about six files per resource (the page, the Note, the Page and three activities); creating a
file costs the kernel more than rendering it costs Python. A thread of the build cannot overlap the two well: each of
its system calls gives up the interpreter's lock, and waits to get it back until the rendering thread lets go (up to
the 5 ms switch interval), so on a busy build the writer thread and the renderer mostly took turns (199,000 futex
calls in a build of 5,000 resources). A writer process (`generator.file_writer_child`) has no such lock: the build
hands it each file through a pipe (`BackgroundFiles.write` returns as soon as the bytes are in the pipe; a full
pipe makes the build wait, so memory stays flat whatever the size of the site) and the kernel's work of creating
the files runs on the other core. The pipe keeps the order of the files, so the last write of a path lands last.
`drain()` waits until every file handed over so far is written; `finish()` waits for every file and raises the first
error the writer met (a full disk, say), so a build never reports success with a file missing.

With `unchanged` (an incremental build, `lectern.incremental_output`), a file the output already holds with the same
bytes is not written at all.

`LecternWriter` is Pelican's writer with its files written the same way, through the `BackgroundFiles` the
generator started before Pelican read the articles (`BACKGROUND`) to write its JSON documents. `finish_all()` runs
when Pelican has finished (`finalized`) and after every build, failed or not, so no writer is left writing into a
folder that is about to be deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any, Protocol

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from lectern.build_cache import active
from lectern.generator import file_writer_child
from lectern.generator.page_memo import feed_key, page_key
from lectern.generator.quick_parts import QUICK_PARTS, Feed, QuickParts

__all__ = [
    "BACKGROUND",
    "PAGE_FOLDERS",
    "PIPE_BYTES",
    "BackgroundFiles",
    "DirectFiles",
    "LecternWriter",
    "finish_all",
    "page_folders",
]

PIPE_BYTES = 1 << 20  # what may wait in the pipe (Linux's default limit for an unprivileged process)
HEADER = file_writer_child.HEADER
CHILD = Path(file_writer_child.__file__)
# the Pelican setting in which the generator leaves, for the writer, the folders of the pages Pelican will write
PAGE_FOLDERS = "LECTERN_PAGE_FOLDERS"
# the Pelican setting in which the generator leaves the writer process it started (to write the ActivityPub
# documents before Pelican reads the articles), for `LecternWriter` to write the pages through
BACKGROUND = "LECTERN_BACKGROUND"


def page_folders(output: str, context: Any) -> list[str]:
    """The folders of every article's page and every tag's page, in `output`."""
    pages = [a.save_as for a in context.get("articles", [])]
    pages += [tag.save_as for tag, _articles in context.get("tags", [])]
    return sorted({os.path.dirname(sanitised_join(output, page)) for page in pages if page})


class Unchanged(Protocol):
    fresh: bool  # the output starts empty: no file is skipped, every folder is new

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
    """The pipe to a writer process, and what was handed to it; see the module docstring."""

    def __init__(self, unchanged: Unchanged | None = None) -> None:
        self.unchanged = unchanged
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", os.fspath(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=1 << 16,
        )
        pipe: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        with contextlib.suppress(OSError):  # a smaller pipe only means waiting more often
            fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
        self._pipe = pipe
        self._closed = False
        self._error: OSError | None = None
        _open.add(self)

    def write(self, path: str | Path, data: bytes) -> None:
        """Write `data` to `path` (its folder is made if missing), soon."""
        name = os.fspath(path)
        if self.unchanged is not None and self.unchanged.skip(name, data):
            return
        self._send(b"W", name, data)

    def make_folders(self, paths: list[str]) -> None:
        """Make these folders (and their parents) soon, so that whoever writes into them later finds them made."""
        for path in paths:
            self._send(b"D", path, b"")

    def _send(self, kind: bytes, name: str, data: bytes) -> None:
        if self._closed:
            raise RuntimeError("the build's files were already finished")
        encoded = name.encode("utf-8", "surrogateescape")
        try:
            self._pipe.write(HEADER.pack(kind, len(encoded), len(data)) + encoded)
            if data:
                self._pipe.write(data)
        except BrokenPipeError:
            self._raise_lost()

    def drain(self) -> None:
        """Wait until every file handed over so far is written (others may follow); raise the first error met."""
        if not self._closed:
            self._ask(b"S")

    def finish(self) -> None:
        """Wait for every file handed over; raise the first error met."""
        if self._closed:
            if self._error is not None:
                raise self._error
            return
        try:
            self._ask(b"Q")
        finally:
            self._closed = True
            _open.discard(self)
            with contextlib.suppress(OSError):
                self._pipe.close()
            self._process.wait()
            self._process.stdout.close()  # type: ignore[union-attr]

    def _ask(self, kind: bytes) -> None:
        try:
            self._pipe.write(HEADER.pack(kind, 0, 0))
            self._pipe.flush()
        except BrokenPipeError:
            self._raise_lost()
        answer = self._process.stdout.readline().decode("utf-8", "surrogateescape")  # type: ignore[union-attr]
        if answer == "ok\n":
            return
        if not answer:
            self._raise_lost()
        _word, code, path = answer.rstrip("\n").split(" ", 2)
        number = int(code) or errno.EIO
        self._error = OSError(number, os.strerror(number), path)
        raise self._error

    def _raise_lost(self) -> None:
        self._closed = True
        _open.discard(self)
        self._process.kill()
        self._process.wait()
        code = self._process.returncode
        self._error = OSError(errno.EPIPE, f"the writer process of the build stopped (exit code {code})")
        raise self._error


_open: set[BackgroundFiles] = set()


class DirectFiles:
    """`BackgroundFiles`' `write` in the calling process, for a part of the build that already runs in a process
    of its own (`generator.forked_work`): the same skipping of unchanged files, each folder made when first needed."""

    def __init__(self, unchanged: Unchanged | None = None) -> None:
        self.unchanged = unchanged

    def write(self, path: str | Path, data: bytes) -> None:
        name = os.fspath(path)
        if self.unchanged is not None and self.unchanged.skip(name, data):
            return
        try:
            handle = open(name, "wb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(name), exist_ok=True)
            handle = open(name, "wb")  # noqa: SIM115
        with handle:
            handle.write(data)

    def drain(self) -> None:
        """Nothing waits: every file is written when `write` returns."""


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
        started = (settings or {}).get(BACKGROUND)
        self.background = started if isinstance(started, BackgroundFiles) else BackgroundFiles(self.unchanged)
        # Pelican makes each page's folder before writing the page: made first by the writer process, each of those
        # 5,000 folders (on a site of 5,000 resources) costs the build a lookup, not the kernel's making of a folder
        self.background.make_folders((settings or {}).get(PAGE_FOLDERS) or [])
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
        quick = self.settings.get(QUICK_PARTS)
        if isinstance(quick, QuickParts) and path is not None:  # an Atom entry shows the notes
            files = tuple(os.path.abspath(str(getattr(item, "source_path", ""))) for item in items)
            quick.feeds.append(Feed(path, url, feed_type, override_output, feed_title, files))
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
