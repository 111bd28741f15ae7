"""Writing a state file so that it is either absent or whole, whatever happens while it is written.

A file is written under a temporary name in its own folder (created with its final mode, so a private key is never
readable by others, not even for a moment), flushed to disk with fsync, then given its name in one step: `os.link`
when the file must not replace another (the first of two processes wins, the second uses its file), `os.replace`
otherwise; then the folder is synced, so the name survives a power cut. A full disk, a kill or a crash leaves at most
a temporary file (`.<name>.<pid>.tmp`), never a short or empty file under the real name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["create_file", "replace_file"]


def create_file(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Write `path` with `data` unless it exists; True when written, False when another process made it first.
    Raises OSError (e.g. ENOSPC) with nothing left behind."""
    temporary = _write_temporary(path, data, mode)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    _sync_folder(path.parent)
    return True


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` with `data`, replacing what was there in one step. Raises OSError with nothing changed."""
    temporary = _write_temporary(path, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)  # left by an earlier process with our pid, killed while writing
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
