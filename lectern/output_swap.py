"""Putting a finished build in place of the previous one, so that `output/` is always there and always a whole build.

A build writes into a staging folder beside the output, `.output.building-<pid>`. When it is complete, the two
folders trade places in one step (Linux `renameat2(RENAME_EXCHANGE)`): at every moment `output/` is either the old
build or the new one, whatever kills the build; the old build, now under the staging name, is deleted after.

Where the exchange is not available (another OS, a file system without it), the swap takes two renames: the old
output is set aside as `.output.old-<pid>`, then the staging folder takes its name. A crash between the two leaves no
`output/`; `recover()` puts the set-aside build back, and runs before every build and when the shim starts.

Folders left by builds that were killed (their pid is gone) are deleted by `clean_stale()` at the start of the next
build; a folder of a build still running in another process is left alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
import shutil
from pathlib import Path

from lectern.federation_shim import pid_alive

__all__ = ["clean_stale", "recover", "staging_folder", "swap_in"]

logger = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def staging_folder(output: Path) -> Path:
    return output.parent / f".{output.name}.building-{os.getpid()}"


def _set_aside_folder(output: Path) -> Path:
    return output.parent / f".{output.name}.old-{os.getpid()}"


def swap_in(staging: Path, output: Path) -> None:
    """Make the complete build in `staging` the output; `output` never stops existing if it existed."""
    if not output.exists():
        _put_in_place(staging, output)
    elif _exchange(staging, output):
        _discard(staging)  # the previous build, now under the staging name
    else:
        old = _set_aside_folder(output)
        output.rename(old)
        _put_in_place(staging, output)
        _discard(old)


def recover(output: Path) -> bool:
    """If a build died between the two renames of the fallback swap (no `output/`, a set-aside build of a process
    that is gone), put the set-aside build back. True when it did."""
    if output.exists():
        return False
    for folder, pid in _leftovers(output, "old"):
        if not pid_alive(pid):
            folder.rename(output)
            logger.warning("restored %s from %s, left by a build that was interrupted", output, folder.name)
            return True
    return False


def clean_stale(output: Path) -> None:
    """Recover the output if a build died mid-swap, then delete what builds that are gone left beside it."""
    recover(output)
    for kind in ("building", "old"):
        for folder, pid in _leftovers(output, kind):
            if pid == os.getpid() or not pid_alive(pid):
                logger.info("deleting %s, left by a build that was interrupted", folder)
                _discard(folder)


def _leftovers(output: Path, kind: str) -> list[tuple[Path, int]]:
    pattern = re.compile(rf"\.{re.escape(output.name)}\.{kind}-(\d+)")
    if not output.parent.is_dir():
        return []
    found = []
    for entry in output.parent.iterdir():
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append((entry, int(match.group(1))))
    return sorted(found)


def _put_in_place(staging: Path, output: Path) -> None:
    staging.rename(output)


def _discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False when this system or file system cannot (then nothing changed)."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _libc() -> ctypes.CDLL | None:
    with contextlib.suppress(OSError):
        return ctypes.CDLL(None, use_errno=True)
    return None
