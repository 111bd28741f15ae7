"""Files written on the writer threads: all of them land, the last write of a path wins, errors are not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from lectern.generator.background_files import BackgroundFiles, finish_all


def test_every_file_lands_and_the_last_write_of_a_path_wins(tmp_path: Path) -> None:
    files = BackgroundFiles(backlog=4)
    for n in range(200):
        files.write(tmp_path / f"folder-{n % 7}" / f"file-{n}.txt", f"first {n}".encode())
    for n in range(200):
        files.write(tmp_path / f"folder-{n % 7}" / f"file-{n}.txt", f"second {n}".encode())
    files.finish()
    assert sorted(p.read_text() for p in tmp_path.rglob("*.txt")) == sorted(f"second {n}" for n in range(200))


def test_a_failed_write_is_raised_when_the_build_waits_for_the_files(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    files = BackgroundFiles()
    files.write(tmp_path / "a-file" / "page.html", b"<p>cannot be written</p>")
    with pytest.raises(NotADirectoryError):
        finish_all()
    with pytest.raises(NotADirectoryError):
        files.finish()
