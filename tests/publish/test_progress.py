"""The progress line: drawn in place on a terminal, silent anywhere else."""

from __future__ import annotations

import io

from lectern.publish.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_redrawn_and_ends_with_a_newline() -> None:
    screen = Terminal()
    progress = Progress(files=2, total_bytes=3_000_000, stream=screen)
    progress.advance(1_000_000)
    progress.advance(2_000_000)
    progress.close()

    assert screen.getvalue().endswith("\rUploading [########################] 2/2 files, 3.0/3.0 MB\n")


def test_when_not_a_terminal_nothing_is_written() -> None:
    log = io.StringIO()
    progress = Progress(files=1, total_bytes=10, stream=log)
    progress.advance(10)
    progress.close()
    assert log.getvalue() == ""
