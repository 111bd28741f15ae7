"""An incremental build: only the files that changed reach `output/`.

A full build writes every file into a staging folder that replaces the output in one step (`lectern.output_swap`).
On a site of thousands of resources most of that time is the file system creating files that are the same as the
ones already there. So after each build Lectern records what the output holds (`output-record.json` in the build
cache: each file's SHA-256, size and modification time), and the next build, when the output is still exactly as
recorded (same files, sizes and times; a file added or touched by hand means a full build):

1. renders everything as usual, but the writers skip a file whose bytes hash the same as the recorded ones
   (`UnchangedFiles.skip`), so the staging folder holds only what is new or changed (and, linked from the output,
   the unchanged Notes, which the delivery manifest reads back);
The staging folder of these builds is kept in the cache with its folders (`sparse_staging`), since creating and
deleting a folder per resource would cost most of the time saved.

2. deletes the record, then moves each new or changed file into the output and deletes the files this build no
   longer makes, then writes the new record.

The output then changes file by file rather than in one step: each file is whole at every moment (a rename), and a
build killed during step 2 leaves no record, so the next build is a full one and puts a whole site in place. Two
builds of the same output never run at once (`build_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from json.encoder import encode_basestring
from pathlib import Path
from typing import TypeVar

__all__ = [
    "UnchangedFiles",
    "apply_files",
    "apply_in_place",
    "build_lock",
    "clear_files",
    "load_record",
    "record_full_build",
    "save_record",
    "sparse_staging",
]

RECORD_FILE = "output-record.json"
LOCK_FILE = "build.lock"
# files the rest of the build reads back from the staging folder: an unchanged one is linked there from the output
READ_BACK = ("ap/objects/",)

Record = dict[str, tuple[str, int, int]]  # relative path -> (sha256, size, mtime_ns)
Described = TypeVar("Described")


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of one output's builds (waits for a build of the same output running elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def scan(output: Path) -> dict[str, tuple[int, int]]:
    """Every file under `output` by relative path: (size, mtime_ns)."""
    return file_states(output, lambda stat: (stat.st_size, stat.st_mtime_ns))


def file_states(
    folder: Path, describe: Callable[[os.stat_result], Described], follow_symlinks: bool = False
) -> dict[str, Described]:
    """Every file under `folder` by its '/'-separated relative path: what `describe` says of its stat (of the file
    a link points to, with `follow_symlinks`). A file or folder gone or unreadable while the scan ran is left out."""
    found: dict[str, Described] = {}
    stack = [(str(folder), "")]
    while stack:
        below, prefix = stack.pop()
        try:
            with os.scandir(below) as scanned:
                entries = list(scanned)
        except OSError:
            continue
        for entry in entries:
            relative = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, relative + "/"))
                else:
                    found[relative] = describe(entry.stat(follow_symlinks=follow_symlinks))
            except OSError:
                continue
    return found


def load_record(folder: Path, output: Path) -> Record | None:
    """The record of the last build, if `output` is still exactly what it recorded."""
    try:
        loaded = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        record: Record = {path: (digest, size, mtime) for path, (digest, size, mtime) in loaded.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if not output.is_dir() or scan(output) != {path: (size, mtime) for path, (_d, size, mtime) in record.items()}:
        return None
    return record


def save_record(folder: Path, record: Record) -> None:
    """Write `record` whole or not at all, one entry at a time: the text of the whole file at once (4 MB for the
    31,000 files of a 5,000-resource site, then its bytes) was the peak of a full build's memory."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{RECORD_FILE}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        separator = "{"
        for path in sorted(record):
            digest, size, mtime = record[path]
            handle.write(f"{separator}{encode_basestring(path)}:[{encode_basestring(digest)},{int(size)},{int(mtime)}]")
            separator = ",\n"
        handle.write("{}\n" if not record else "}\n")
    os.replace(temporary, folder / RECORD_FILE)


def forget_record(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (folder / RECORD_FILE).unlink()


STAGING_FOLDER = "staging"


def sparse_staging(folder: Path) -> Path:
    """The staging folder of incremental builds, in the build cache. Its folders are kept from one build to the next
    (they are most of what a build would otherwise create, and deleting them again costs as much), its files never:
    `clear_files` runs before and after each build."""
    staging = folder / STAGING_FOLDER
    staging.mkdir(parents=True, exist_ok=True)
    clear_files(staging)
    return staging


def clear_files(staging: Path) -> None:
    for relative in scan(staging):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staging / relative)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class UnchangedFiles:
    """Decides, for each file a build writes into `staging`, whether the output already holds those bytes."""

    def __init__(self, staging: Path, output: Path, previous: Record | None) -> None:
        self.staging = os.fspath(staging)
        self._prefix = self.staging.rstrip(os.sep) + os.sep
        self.output = output
        self.previous = previous or {}
        self.fresh = not self.previous
        self.digests: dict[str, str] = {}
        self.written: set[str] = set()
        self._lock = threading.Lock()

    def relative(self, path: str) -> str:
        if path.startswith(self._prefix):
            return path[len(self._prefix) :].replace(os.sep, "/")
        return os.path.relpath(path, self.staging).replace(os.sep, "/")

    def skip(self, path: str, data: bytes) -> bool:
        """Record `data` as the content of `path` (in staging); True when it need not be written."""
        relative = self.relative(path)
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self.digests[relative] = digest
            earlier = self.previous.get(relative)
            if earlier is None or earlier[0] != digest or relative in self.written:
                self.written.add(relative)
                return False
        if relative.startswith(READ_BACK):
            os.link(self.output / relative, path)
        return True

    def known(self, path: str, digest: str) -> bool:
        """True (and `path` recorded as made, unchanged) when the output holds, at `path`, a file with `digest`:
        then whoever knew the digest without rendering the file need not render it."""
        relative = self.relative(path)
        with self._lock:
            earlier = self.previous.get(relative)
            if earlier is None or earlier[0] != digest or relative in self.written or relative in self.digests:
                return False
            self.digests[relative] = digest
        if relative.startswith(READ_BACK):
            os.link(self.output / relative, path)
        return True

    def size_of(self, path: str) -> int | None:
        """The size of the file the output held at `path` before this build, if it held one."""
        earlier = self.previous.get(self.relative(path))
        return None if earlier is None else earlier[1]

    def digest_of(self, path: str) -> str | None:
        with self._lock:
            return self.digests.get(self.relative(path))

    def learnt(self) -> tuple[dict[str, str], set[str]]:
        """What `skip` and `known` recorded, for `merge_learnt` in the copy of another process of the build."""
        with self._lock:
            return dict(self.digests), set(self.written)

    def merge_learnt(self, learnt: tuple[dict[str, str], set[str]]) -> None:
        digests, written = learnt
        with self._lock:
            self.digests.update(digests)
            self.written |= written

    def produced(self, staging: Path) -> dict[str, str]:
        """Every file this build made and its digest: those that went through `skip`, and any other in staging."""
        digests = dict(self.digests)
        for relative in scan(staging):
            if relative not in digests or relative not in self.written and not relative.startswith(READ_BACK):
                digests[relative] = _file_digest(staging / relative)
        return digests


def apply_in_place(
    folder: Path, staging: Path, output: Path, files: UnchangedFiles, last: Collection[str] = ()
) -> Record:
    """Move what changed from `staging` into `output`, delete what this build no longer makes; the new record.
    The files in `last` move after all others: the delivery manifest, which the shim acts on as soon as it changes,
    must not name documents that are not in place yet."""
    produced = files.produced(staging)
    previous = files.previous
    changed = sorted(
        (path for path, digest in produced.items() if previous.get(path, ("",))[0] != digest),
        key=lambda path: (path in last, path),
    )
    removed = sorted(path for path in previous if path not in produced)
    forget_record(folder)  # from here until the new record is written, the output is not what any record says
    made: set[Path] = set()
    for relative in changed:
        target = output / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(staging / relative, target)
    for relative in removed:
        with contextlib.suppress(FileNotFoundError):
            (output / relative).unlink()
        _remove_empty_folders(output, (output / relative).parent)
    record: Record = {}
    for relative, digest in produced.items():
        if relative in previous and previous[relative][0] == digest:
            record[relative] = previous[relative]
        else:
            stat = os.stat(output / relative)
            record[relative] = (digest, stat.st_size, stat.st_mtime_ns)
    return record


def apply_files(folder: Path, staging: Path, output: Path, record: Record, names: Collection[str]) -> None:
    """Move the files `names` (relative paths) from `staging` into `output` where their bytes changed, and update
    `record` and its file to match: a quick rebuild's step 2, which makes no other file
    (`lectern.quick_rebuild`)."""
    digests = {name: _file_digest(staging / name) for name in names}
    changed = sorted(name for name, digest in digests.items() if record.get(name, ("",))[0] != digest)
    if not changed:
        return
    forget_record(folder)  # as in `apply_in_place`
    for relative in changed:
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, target)
        stat = os.stat(target)
        record[relative] = (digests[relative], stat.st_size, stat.st_mtime_ns)
    save_record(folder, record)


def record_full_build(output: Path, staged: Mapping[str, str]) -> Record:
    """The record of a full build now in `output`; `staged` is what `files.produced` found in staging."""
    sizes = scan(output)
    return {path: (digest, *sizes[path]) for path, digest in staged.items() if path in sizes}


def _remove_empty_folders(output: Path, folder: Path) -> None:
    while folder != output and output in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
