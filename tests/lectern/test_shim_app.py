"""The authenticated trigger the publish step calls: `POST /_lectern/deliver` with a bearer token."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route

from lectern.federation_shim import Follower, ShimState
from lectern.shim_app import app_from_environment
from tests.conftest import PROJECT, copy_project
from tests.lectern_server import LecternServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    project = copy_project(tmp_path_factory.mktemp("trigger") / "project")
    server = LecternServer(project, extra_env={"LECTERN_DELIVER_TOKEN": "correct horse"}, serve_args=("--no-deliver",))
    yield server
    server.stop()


def trigger(server: LecternServer, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    request = urllib.request.Request(f"{server.site_url}/_lectern/deliver", data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_trigger_needs_the_token(server: LecternServer) -> None:
    assert trigger(server, None)[0] == 401
    assert trigger(server, "wrong")[1]["reason"] == "bad_token"


def test_the_trigger_queues_the_current_build(server: LecternServer) -> None:
    status, answer = trigger(server, "correct horse")
    assert status == 202 and answer["first_run"] is True  # the first run records what exists
    status, answer = trigger(server, "correct horse")
    assert (status, answer["activities"], answer["first_run"]) == (202, 0, False)


def test_the_trigger_is_off_without_a_configured_token(tmp_path: Path) -> None:
    server = LecternServer(copy_project(tmp_path / "project"), serve_args=("--no-deliver",))
    try:
        status, answer = trigger(server, "anything")
        assert (status, answer["reason"]) == (403, "disabled")
    finally:
        server.stop()


def test_followers_remove_takes_a_follower_off_every_actor(server: LecternServer) -> None:
    state = ShimState(server.project / "instance" / "shim.sqlite3")
    for actor in ("fractions", "library"):
        state.add_follower(
            Follower(
                actor,
                "https://school.example/users/kim",
                "https://school.example/users/kim/inbox",
                None,
                f"https://school.example/follows/{actor}",
                "2026-11-01T00:00:00Z",
            ),
            f"https://school.example/follows/{actor}",
        )
    state.close()
    assert "https://school.example/users/kim" in server.lectern("followers", "list").stdout
    removed = server.lectern("followers", "remove", "https://school.example/users/kim")
    assert "Removed https://school.example/users/kim from 2 follower lists." in removed.stdout
    assert "school.example" not in server.lectern("followers", "list").stdout


@pytest.mark.parametrize(("flag", "serves_the_site"), [("1", True), ("0", False), ("", False)])
def test_the_shim_alone_takes_its_settings_file_and_static_flag_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, flag: str, serves_the_site: bool
) -> None:
    monkeypatch.setenv("LECTERN_SETTINGS", str(PROJECT / "pelicanconf.py"))
    monkeypatch.setenv("LECTERN_SERVE_STATIC", flag)
    app = app_from_environment()
    assert any(isinstance(route, Mount) for route in app.routes) is serves_the_site
    assert [route.path for route in app.routes if isinstance(route, Route)][0] == "/.well-known/webfinger"
