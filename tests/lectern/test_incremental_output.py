"""Moving a rebuild's changed files into the output: what moves, what goes, and in which order."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from lectern.incremental_output import UnchangedFiles, apply_in_place, load_record, record_full_build, save_record


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def digests(files: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in files.items()}


OLD = {"index.html": "home", "ap/manifest.json": "m1", "ap/objects/a.json": "a1", "gone/index.html": "gone"}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    output, cache = tmp_path / "output", tmp_path / "cache"
    write(output, OLD)
    save_record(cache, record_full_build(output, digests(OLD)))
    return output, cache


def rebuild(built: tuple[Path, Path], tmp_path: Path, new: dict[str, str]) -> list[str]:
    output, cache = built
    record = load_record(cache, output)
    assert record is not None
    staging = tmp_path / "staging"
    staging.mkdir()
    files = UnchangedFiles(staging, output, record)
    for name, text in new.items():
        if not files.skip(str(staging / name), text.encode("utf-8")):
            write(staging, {name: text})
    moved: list[str] = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        moved.append(Path(target).relative_to(output).as_posix())
        real_replace(source, target)

    os.replace = replace  # type: ignore[assignment]
    try:
        record = apply_in_place(cache, staging, output, files, last=("ap/manifest.json",))
    finally:
        os.replace = real_replace
    save_record(cache, record)
    return moved


def test_only_changed_files_move_and_the_manifest_moves_last(built: tuple[Path, Path], tmp_path: Path) -> None:
    new = {"index.html": "home", "ap/manifest.json": "m2", "ap/objects/a.json": "a2", "ap/objects/b.json": "b1"}
    moved = rebuild(built, tmp_path, new)
    assert moved == ["ap/objects/a.json", "ap/objects/b.json", "ap/manifest.json"]
    output, cache = built
    assert {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()} == set(new)
    assert not (output / "gone").exists()  # the folder of a removed file goes with it when empty
    assert load_record(cache, output) is not None  # the new record matches the output


def test_an_output_changed_by_hand_has_no_record(built: tuple[Path, Path]) -> None:
    output, cache = built
    (output / "index.html").write_text("edited by hand, longer than before", encoding="utf-8")
    assert load_record(cache, output) is None
