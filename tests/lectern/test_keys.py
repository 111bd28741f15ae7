"""The instance's key file through `lectern keys`, on a real full disk and with broken files: never a half-written
key, and one line saying what to do when the file is unusable."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from lectern.keys import private_key_path
from tests.full_disk import fill, free, small_disk


def lectern(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args], cwd=project, capture_output=True, text=True, timeout=120
    )


def test_keys_public_on_a_full_disk_leaves_no_key_file_and_works_once_there_is_space(project: Path) -> None:
    instance = project / "instance"
    with small_disk(instance, "64k"):
        fill(instance)
        refused = lectern(project, "keys", "public")
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr
        [line] = refused.stderr.splitlines()
        assert line.startswith("lectern: ") and "No space left on device" in line and "run the command again" in line
        assert not private_key_path(instance).exists()
        assert sorted(p.name for p in private_key_path(instance).parent.iterdir()) == []  # no temporary file either

        free(instance)
        created = lectern(project, "keys", "public")
        assert created.returncode == 0, created.stderr
        assert created.stdout.startswith("-----BEGIN PUBLIC KEY-----")
        assert stat.S_IMODE(private_key_path(instance).stat().st_mode) == 0o600
        again = lectern(project, "keys", "public")
        assert again.stdout == created.stdout


def test_an_empty_key_file_stops_a_command_with_one_line_saying_what_to_do(project: Path) -> None:
    path = private_key_path(project / "instance")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    for command in (("keys", "public"), ("build",)):
        result = lectern(project, *command)
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert line.startswith(f"lectern: {path}: is empty (0 bytes)") and "delete it" in line, line
    assert path.read_bytes() == b""  # left for the person to decide: it is never replaced silently


def test_a_corrupt_key_file_stops_a_command_with_one_line(project: Path) -> None:
    path = private_key_path(project / "instance")
    path.parent.mkdir(parents=True)
    path.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    result = lectern(project, "keys", "path")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"lectern: {path}: is not a readable PEM private key") and "restore it" in line, line
