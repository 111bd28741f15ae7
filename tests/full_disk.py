"""A real full disk for tests: a small tmpfs mounted on a folder, filled to the last byte on demand.

Mounting needs root (or CAP_SYS_ADMIN); where that is not allowed the test is skipped, saying so.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER = ".filler"


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """`folder` (created) as the mount point of a tmpfs of `size` (e.g. "2m") for the duration."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Take every free byte of the file system under `folder` with one file, until it says ENOSPC."""
    block = b"\0" * 4096
    with open(folder / FILLER, "ab", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                break
        for size in (1024, 256, 64, 16, 4, 1):  # the last partial block too
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                pass


def free(folder: Path) -> None:
    os.unlink(folder / FILLER)
