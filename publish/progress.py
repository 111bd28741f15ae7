"""A progress line on stderr for the uploads: files and megabytes done, redrawn in place at most ten times a second.

Only on a terminal: in CI logs or when stderr is redirected it stays silent, and the summary says what happened.
Safe to advance from the upload threads.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

WIDTH = 24
INTERVAL = 0.1


class Progress:
    def __init__(self, files: int, total_bytes: int, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.files = files
        self.total_bytes = max(total_bytes, 1)
        self.done_files = 0
        self.done_bytes = 0
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._longest = 0

    def advance(self, size: int) -> None:
        with self._lock:
            self.done_files += 1
            self.done_bytes += size
            now = time.monotonic()
            if self.enabled and (now - self._drawn >= INTERVAL or self.done_files == self.files):
                self._drawn = now
                line = self.line()
                self._longest = max(self._longest, len(line))
                self.stream.write("\r" + line.ljust(self._longest))
                self.stream.flush()

    def line(self) -> str:
        share = min(self.done_bytes / self.total_bytes, 1.0) if self.files else 1.0
        filled = round(share * WIDTH)
        return (
            f"Uploading [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done_files:,}/{self.files:,} files, "
            f"{self.done_bytes / 1e6:.1f}/{self.total_bytes / 1e6:.1f} MB"
        )

    def close(self) -> None:
        if self.enabled and self.done_files:
            self.stream.write("\n")
            self.stream.flush()
