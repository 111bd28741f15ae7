"""One setting selects where the shim keeps its state: LECTERN_DATABASE_URL (or LECTERN['DATABASE_URL']), checked
in `lectern.settings`, opened by `lectern.shim_storage.open_shim_storage`; a real `lectern serve` on PostgreSQL
stores a follow there, and `lectern followers` reads it from there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lectern.errors import SettingsError
from lectern.federation_shim import PostgresDatabase, ShimState, StorageUnavailable
from lectern.settings import load_settings
from lectern.shim_storage import open_shim_storage
from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.federation_shim.shim_client import follow_of, post_signed, wait_for
from tests.lectern_server import LecternServer, free_port


@pytest.fixture(autouse=True)
def no_database_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LECTERN_DATABASE_URL", raising=False)


def with_option(project: Path, value: str) -> Path:
    settings = project / "pelicanconf.py"
    text = settings.read_text()
    settings.write_text(text.replace("LECTERN = {", f"LECTERN = {{\n    'DATABASE_URL': {value!r},", 1))
    assert settings.read_text() != text
    return settings


def test_without_the_setting_the_state_is_the_sqlite_file_in_the_instance_folder(project: Path) -> None:
    settings = load_settings(project / "pelicanconf.py")
    assert settings.database_url is None
    storage = open_shim_storage(settings)
    try:
        assert isinstance(storage.database, ShimState)
        assert storage.database.path == settings.instance_dir / "shim.sqlite3"
    finally:
        storage.close()


def test_a_sqlite_url_names_a_file_relative_to_the_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LECTERN_DATABASE_URL", "sqlite:state/shim.db")
    settings = load_settings(project / "pelicanconf.py")
    assert settings.database_url == f"sqlite:{project.resolve() / 'state' / 'shim.db'}"
    storage = open_shim_storage(settings)
    storage.close()
    assert (project / "state" / "shim.db").is_file()


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("mysql://lectern:hunter2@db.example/lectern", "is not a database Lectern can use"),
        ("https://db.example/lectern", "is not a database Lectern can use"),
        ("postgresql://lectern:hunter2@db.example", "needs a server and a database name"),
        ("postgresql:///lectern", "needs a server and a database name"),
        ("sqlite:", "names no file"),
        ("mysql://db.example/lectern?user=lectern&password=hunter2", "is not a database Lectern can use"),
    ],
)
def test_a_database_url_lectern_cannot_use_is_a_settings_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str, complaint: str
) -> None:
    monkeypatch.setenv("LECTERN_DATABASE_URL", value)
    with pytest.raises(SettingsError, match="LECTERN_DATABASE_URL") as raised:
        load_settings(project / "pelicanconf.py")
    assert complaint in str(raised.value)
    assert "hunter2" not in str(raised.value)  # a password is never printed


def test_the_option_in_the_settings_file_is_checked_too(project: Path) -> None:
    settings_file = with_option(project, "redis://cache.example/0")
    with pytest.raises(SettingsError, match=r"pelicanconf.py: LECTERN\['DATABASE_URL'\]"):
        load_settings(settings_file)


def test_the_environment_wins_over_the_settings_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    settings_file = with_option(project, "sqlite:elsewhere.sqlite3")
    assert load_settings(settings_file).database_url == f"sqlite:{project.resolve() / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("LECTERN_DATABASE_URL", postgres_url)
    settings = load_settings(settings_file)
    assert settings.database_url == postgres_url
    storage = open_shim_storage(settings)
    try:
        assert isinstance(storage.database, PostgresDatabase)
    finally:
        storage.close()
    assert not (project / "instance" / "shim.sqlite3").exists()


def test_a_database_server_that_does_not_answer_is_storage_unavailable(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LECTERN_DATABASE_URL", f"postgresql://lectern@/lectern?host={tmp_path}&connect_timeout=2")
    settings = load_settings(project / "pelicanconf.py")
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="cannot connect") as unreachable:
        open_shim_storage(settings)
    assert str(tmp_path) in str(unreachable.value)  # libpq's own reason: no server at that socket
    assert time.monotonic() - started < 60  # it gave up rather than hanging (not a speed goal)


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


def test_lectern_serve_on_postgresql_stores_a_follow_there(
    tmp_path: Path, postgres_url: str, remote: RemoteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("LECTERN_DATABASE_URL", postgres_url)  # for `lectern serve` and `lectern followers`
    shim = LecternServer(project)
    try:
        alice = remote.actors["alice"]
        activity = follow_of(alice, shim)
        status, _headers, answer = post_signed(shim, alice, activity)
        assert (status, answer.get("reason")) == (202, "followed"), shim.log()
        with psycopg.connect(postgres_url) as db:
            assert db.execute("SELECT actor, follower, follow_id FROM followers").fetchall() == [
                ("fractions", alice.id, activity["id"])
            ]
            assert db.execute("SELECT type FROM processed_activities WHERE id = %s", (activity["id"],)).fetchall() == [
                ("Follow",)
            ]
        wait_for(
            lambda: any(r.get("type") == "Accept" and r["object"]["id"] == activity["id"] for r in remote.received),
            "the Accept, sent through the delivery queue on PostgreSQL",
        )
        listed = shim.lectern("followers", "list")
        assert listed.returncode == 0, listed.stderr
        assert alice.id in listed.stdout
        assert not (project / "instance" / "shim.sqlite3").exists()  # nothing went to SQLite
    finally:
        shim.stop()


def test_lectern_serve_with_an_unreachable_database_says_so_in_one_line(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LECTERN_DATABASE_URL": f"postgresql://lectern@/lectern?host={tmp_path}&connect_timeout=2"}
    done = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "serve", "--port", str(free_port())],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "cannot connect" in done.stderr, done.stderr
    assert "Serving" not in done.stdout
