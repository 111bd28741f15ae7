"""Files written on the writer threads: all of them land, the last write of a path wins, errors are not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from lectern.generator.background_files import BackgroundFiles, finish_all


def test_every_file_lands_and_the_last_write_of_a_path_wins(tmp_path: Path) -> None:
    files = BackgroundFiles()
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


def test_folders_asked_for_are_made_before_the_files_handed_over_after_them(tmp_path: Path) -> None:
    files = BackgroundFiles()
    files.make_folders([str(tmp_path / "tag" / "fractions"), str(tmp_path / "maths" / "resource-1")])
    files.write(tmp_path / "maths" / "resource-1" / "index.html", b"<p>page</p>")
    files.drain()
    assert (tmp_path / "tag" / "fractions").is_dir()
    assert (tmp_path / "maths" / "resource-1" / "index.html").read_bytes() == b"<p>page</p>"
    files.finish()


def test_a_writer_process_that_dies_fails_the_build_instead_of_losing_files(tmp_path: Path) -> None:
    files = BackgroundFiles()
    files.write(tmp_path / "first.html", b"written")
    files.drain()
    files._process.kill()
    files._process.wait()
    with pytest.raises(OSError, match="writer process of the build stopped"):
        for n in range(2000):  # the pipe's buffer takes the first ones: the build learns at the latest when it waits
            files.write(tmp_path / f"page-{n}.html", b"x" * 4096)
        files.finish()
    assert (tmp_path / "first.html").read_bytes() == b"written"
