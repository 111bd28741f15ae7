"""The first minutes with `lectern`: a taken or impossible port, `-v` where people type it, and a quiet build.

Every command runs as a real subprocess; a taken port is really taken (a socket bound and listening in the test).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lectern.test_cli import lectern
from tests.lectern_server import LecternServer, free_port


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else already listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", [("serve",), ("index", "serve")])
def test_a_port_in_use_is_one_line_and_nothing_is_built_or_announced(
    project: Path, taken_port: int, command: tuple[str, ...], tmp_path: Path
) -> None:
    result = lectern(project, *command, "--port", str(taken_port), "--instance", str(tmp_path / "instance"))

    assert result.returncode == 1
    assert result.stdout == ""  # no "Built ...", no "Serving ..." for a server that never served
    assert result.stderr == (
        f"lectern: port {taken_port} on 127.0.0.1 is already in use: stop what listens there, "
        f"or pass another port, e.g. --port {taken_port + 1}\n"
    )
    assert not (project / "output").exists()


@pytest.mark.parametrize("port", ["0", "-1", "65536", "eighty"])
@pytest.mark.parametrize("command", [("serve",), ("index", "serve")])
def test_an_impossible_port_is_refused_in_one_line(project: Path, port: str, command: tuple[str, ...]) -> None:
    result = lectern(project, *command, f"--port={port}")

    assert result.returncode == 2
    assert result.stdout == ""
    shown = repr(port) if port == "eighty" else port
    name = " ".join(command)
    assert result.stderr == (
        f"lectern {name}: argument --port: {shown} is not a port; write a whole number from 1 to 65535; "
        f"see 'lectern {name} --help'\n"
    )
    assert not (project / "output").exists()


def test_a_build_says_one_line_and_pelicans_chatter_only_with_v_after_the_subcommand(project: Path) -> None:
    quiet = lectern(project, "build")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("Built 17 resources in 3 collections") and quiet.stdout.count("\n") == 1
    assert quiet.stderr == ""

    verbose = lectern(project, "build", "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert "Done: Processed 17 articles" in verbose.stdout
    assert "INFO pelican" in verbose.stderr

    before = lectern(project, "-v", "build")
    assert "Done: Processed 17 articles" in before.stdout


def test_serve_says_two_lines_and_takes_v_after_the_subcommand(project: Path) -> None:
    server = LecternServer(project, verbose=False)
    try:
        log = server.log()
    finally:
        server.stop()
    lines = log.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["Built", "Serving"], log

    server = LecternServer(project, verbose=False, serve_args=("-v",))
    try:
        log = server.log()
    finally:
        server.stop()
    assert "Done: Processed 17 articles" in log
    assert "Application startup complete" in log  # uvicorn's own log, at -v only


def test_serve_with_a_broken_key_file_says_so_in_one_line_before_announcing_anything(project: Path) -> None:
    assert lectern(project, "build").returncode == 0
    key = project / "instance" / "keys" / "private-key.pem"
    key.write_bytes(b"")

    result = lectern(project, "serve", "--no-build", "--port", str(free_port()))

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"lectern: {key}: is empty (0 bytes)") and result.stderr.count("\n") == 1
