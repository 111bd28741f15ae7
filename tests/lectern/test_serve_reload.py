"""`lectern serve --reload` on loopback: an edit reaches the page, open pages are told, followers are not.

The project has a real build, delivered once (the first delivery records what exists), and a follower whose inbox
does not answer, so anything queued for it stays visible in `lectern status` as queued or retrying.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from lectern.federation_shim import Follower, ShimState
from lectern.manifest import MANIFEST_FILE
from lectern.reload_endpoint import RELOAD_PATH
from tests.conftest import copy_project
from tests.lectern_server import LecternServer, free_port

T = TypeVar("T")
RESOURCE = Path("content") / "python-basics" / "think-python.md"
PAGE = "/python-basics/think-python/"
PATIENCE = 120.0  # the longest a build may take on a busy machine; the tests wait for events, not for times


def eventually(probe: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def lectern(project: Path, site_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LECTERN_SITE_URL": site_url, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args], cwd=project, capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done


def deliveries(server: LecternServer) -> dict[str, int]:
    line = next(x for x in server.lectern("status").stdout.splitlines() if x.startswith("Deliveries:"))
    return {name: int(count) for count, name in re.findall(r"(\d+) (\w+)", line)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    project = copy_project(tmp_path_factory.mktemp("reload") / "project")
    port = free_port()
    site_url = f"http://127.0.0.1:{port}"
    lectern(project, site_url, "build")
    assert "First run" in lectern(project, site_url, "deliver").stdout
    state = ShimState(project / "instance" / "shim.sqlite3")
    silent = f"http://127.0.0.1:{free_port()}/inbox"  # nobody listens there
    state.add_follower(
        Follower("library", "https://school.example/users/kim", silent, None, "https://school.example/f/1", "x"),
        "https://school.example/f/1",
    )
    state.close()
    server = LecternServer(project, port=port, serve_args=("--reload",))
    yield server
    server.stop()


def reload_state(server: LecternServer, since: int = -1) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server.site_url}{RELOAD_PATH}?since={since}", timeout=60) as answer:
        state: dict[str, Any] = json.loads(answer.read())
    return state


def page_text(server: LecternServer) -> str:
    status, _headers, body = server.get(PAGE)
    assert status == 200
    return body.decode("utf-8")


def edit(server: LecternServer, old: str, new: str) -> None:
    path = server.project / RESOURCE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_pages_carry_the_reload_script_and_json_does_not(server: LecternServer) -> None:
    assert RELOAD_PATH in page_text(server)
    status, _headers, body = server.get("/ap/actors/library.json")
    assert status == 200 and RELOAD_PATH.encode() not in body
    assert {"version", "build", "problem"} <= set(reload_state(server))


def test_an_edit_is_served_and_signalled_but_not_delivered(server: LecternServer) -> None:
    manifest = (server.project / "output" / MANIFEST_FILE).read_bytes()
    before = reload_state(server)
    edit(server, "title: Think Python, 2nd edition", "title: Think Python, edited live")
    eventually(lambda: True if "Think Python, edited live" in page_text(server) else None, "the edited page")
    after = reload_state(server, since=before["version"])  # answers at once: a build happened since
    assert after["build"] > before["build"] and after["problem"] is None
    assert (server.project / "output" / MANIFEST_FILE).read_bytes() == manifest
    queued = deliveries(server)
    assert (queued["queued"], queued["retrying"], queued["failed"]) == (0, 0, 0)


def test_a_broken_edit_keeps_the_page_and_reports_the_problem(server: LecternServer) -> None:
    served = page_text(server)
    before = reload_state(server)
    edit(server, "license: CC-BY-NC-3.0", "license: CC-BY-9.9")
    state = eventually(lambda: reload_state(server, before["version"]) or None, "the failed build")
    assert state["build"] == before["build"]
    assert "think-python.md:5: license: 'CC-BY-9.9'" in state["problem"]
    assert page_text(server) == served
    assert "CC-BY-9.9" in server.log()  # and on the console
    edit(server, "license: CC-BY-9.9", "license: CC-BY-NC-3.0")

    def good_build() -> dict[str, Any] | None:
        state = reload_state(server)
        return state if state["problem"] is None else None

    fixed = eventually(good_build, "the fixed build")
    assert fixed["build"] > before["build"]


def test_a_real_build_beside_it_is_delivered(server: LecternServer) -> None:
    """The control for the test above: the same shim does deliver what `lectern build` publishes."""
    edit(server, "Think Python, edited live", "Think Python, published")
    eventually(lambda: True if "Think Python, published" in page_text(server) else None, "the edited page")
    server.lectern("build")
    eventually(lambda: True if sum(deliveries(server).values()) > 0 else None, "a delivery of the real build")
