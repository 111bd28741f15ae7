"""A `lectern build` killed at the worst moments of putting the new site in place: `output/` is still a whole build
(the old one or the new one) or is put back when the shim starts, and the next build cleans up what was left.

The build runs as a real process that kills itself with SIGKILL at the chosen moment (a function of
lectern.output_swap replaced, in that process only, by one that kills it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lectern_server import LecternServer

KILLED_BUILD = """
import os, signal, sys
from lectern import output_swap
from lectern.cli import main

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

moment = sys.argv[1]
if moment == "before-swap":  # the new site is complete in the staging folder
    output_swap.swap_in = killed
elif moment == "after-exchange":  # the new site is in place, the old one not yet deleted
    exchange = output_swap._exchange
    output_swap._exchange = lambda first, second: exchange(first, second) and killed()
elif moment == "between-renames":  # where the one-step exchange is missing: old set aside, new not yet in place
    output_swap._exchange = lambda first, second: False
    output_swap._put_in_place = killed
main(["build"])
"""

MARKER = "marker-of-the-old-build.txt"


def lectern(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args], cwd=project, capture_output=True, text=True, timeout=300
    )


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".output"))


def is_whole_build(output: Path) -> bool:
    return (output / "index.html").is_file() and (output / "ap" / "manifest.json").is_file()


@pytest.mark.parametrize("moment", ["before-swap", "after-exchange", "between-renames"])
def test_a_build_killed_while_swapping_in_the_output_loses_no_site(project: Path, moment: str) -> None:
    output = project / "output"
    first = lectern(project, "build")
    assert first.returncode == 0, first.stderr
    (output / MARKER).write_text("the build before the killed one\n")

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, moment], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert leftovers(project), "the killed build left nothing behind: it was not killed mid-swap"

    if moment == "between-renames":
        assert not output.exists()  # the state the shim and the next build must recover from
        server = LecternServer(project, serve_args=("--no-build",))
        try:
            status, _headers, body = server.get(f"/{MARKER}")
            assert (status, body) == (200, b"the build before the killed one\n")
        finally:
            server.stop()
    else:
        assert is_whole_build(output)
        assert (output / MARKER).exists() == (moment == "before-swap")

    again = lectern(project, "build")
    assert again.returncode == 0, again.stderr
    assert is_whole_build(output) and not (output / MARKER).exists()
    assert leftovers(project) == []


def test_a_build_leaves_the_staging_folder_of_a_build_still_running_alone(project: Path) -> None:
    running = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        theirs = project / f".output.building-{running.pid}"
        (theirs / "half").mkdir(parents=True)
        gone = project / f".output.building-{dead_pid()}"
        gone.mkdir()
        result = lectern(project, "build")
        assert result.returncode == 0, result.stderr
        assert leftovers(project) == [theirs.name]
    finally:
        running.communicate(b"")


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert not Path(f"/proc/{process.pid}").exists() or os.name != "posix"
    return process.pid
