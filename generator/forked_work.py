"""A part of the build that runs in a forked process, on the other core, while the build goes on.

Pelican reads and renders in one process, on one core. What the build makes from the content model alone (the
ActivityPub documents, `generator.activitypub_output`) needs nothing of Pelican's, so `start` forks: the child makes
it and writes its files while the parent reads and renders the articles. The child's work returns what the parent
must know of it (what it recorded in the build cache and about unchanged files); the child sends that back through
a pipe, pickled, and `ForkedWork.wait` hands it to `merge` in the parent. An error in the child is raised by `wait`
with the child's message; a child that dies without a word is an error too, so a build never reports success with
its documents missing.

A process with other threads is not forked (a lock another thread holds at the fork stays locked in the child for
ever): `lectern serve --reload` builds in a thread of the server, so there the work runs in the calling thread
instead (`start` returns None and the caller does the work itself), with the same result. So it does on any system
but Linux (on macOS a forked child may not use much of the system's libraries before it execs; Windows has no fork),
on a site of fewer than `FORK_FROM` resources (after a fork, every object either process touches is copied for it,
which costs a small site's build more than the work the fork moves), and when `LECTERN_BUILD_FORK=0` is set
(`=1` forks for a site of any size).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["ForkedWork", "ForkedWorkFailed", "may_fork", "start", "stop_all", "wait_all"]

State = TypeVar("State")


class ForkedWorkFailed(RuntimeError):
    """The forked part of the build failed; the message is the child's."""


class ForkedWork(Generic[State]):
    """Work started by `start`; `wait()` once for its result to be merged (an error in it raised)."""

    def __init__(self, merge: Callable[[State], None], pid: int | None, reader: int | None) -> None:
        self._merge = merge
        self._pid = pid
        self._reader = reader
        self.started = next(_started)

    def wait(self) -> None:
        if self._pid is None or self._reader is None:
            return
        pid, reader = self._pid, self._reader
        self._pid = self._reader = None
        _running.discard(self)
        # read before waiting, so a child with much to say never blocks; unpickled as it comes, not read whole first
        # (what the ActivityPub documents' child sends for a site of 5,000 resources is 4 MB)
        with os.fdopen(reader, "rb") as pipe:
            try:
                message: Any = pickle.load(pipe)
            except Exception:  # noqa: BLE001 (a child killed mid-message, or that sent nothing)
                message = None
        _pid, status = os.waitpid(pid, 0)
        if not isinstance(message, tuple) or len(message) != 2:
            code = os.waitstatus_to_exitcode(status)
            raise ForkedWorkFailed(f"a forked part of the build stopped without finishing (exit code {code})")
        outcome, value = message
        if outcome != "done":
            raise ForkedWorkFailed(value)
        self._merge(value)

    def stop(self) -> None:
        """Kill the child (the build failed elsewhere); its output is discarded with the build's."""
        if self._pid is None:
            return
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self._pid, 0)
        if self._reader is not None:
            with contextlib.suppress(OSError):
                os.close(self._reader)
        self._pid = self._reader = None
        _running.discard(self)


# a smaller site's build is faster without: after a fork, each object either process touches is copied for it
FORK_FROM = 500
_running: set[ForkedWork[Any]] = set()
_started = itertools.count()


def may_fork(resources: int) -> bool:
    """On Linux (macOS forbids much of its system libraries to a forked child that did not exec), in a process of
    one thread, for a site of at least `FORK_FROM` resources (`LECTERN_BUILD_FORK=1`: any site; `=0`: never)."""
    setting = os.environ.get("LECTERN_BUILD_FORK", "")
    if not sys.platform.startswith("linux") or setting == "0" or setting != "1" and resources < FORK_FROM:
        return False
    return threading.active_count() == 1


def start(work: Callable[[], State], merge: Callable[[State], None], resources: int) -> ForkedWork[State] | None:
    """Run `work` in a forked child and, at `wait()`, `merge` what it returned; None where a fork is not safe or
    not worth it for a site of `resources` (see the module docstring): then the caller does the work itself."""
    if not may_fork(resources):
        return None
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the build
        os.close(reader)
        try:
            try:
                message = pickle.dumps(("done", work()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as error:  # noqa: BLE001 (every failure, a result that cannot be sent too)
                logged = "".join(traceback.format_exception_only(type(error), error)).strip()
                message = pickle.dumps(("failed", f"{logged} (in the forked part of the build)"))
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(message)
        finally:
            os._exit(0)
    os.close(writer)
    forked = ForkedWork(merge, pid, reader)
    _running.add(forked)
    return forked


def wait_all() -> None:
    """Wait for every forked part of the build still running, merging each (in the order they started)."""
    for work in sorted(_running, key=lambda w: w.started):
        work.wait()


def stop_all() -> None:
    """Kill every forked child not waited for (after a failed build)."""
    for work in list(_running):
        work.stop()
