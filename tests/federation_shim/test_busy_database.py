"""Another process holds the shim's database write lock (`BEGIN EXCLUSIVE` in a second process, as a backup or an
operator's sqlite3 shell would): a Follow is refused with 503, Retry-After and a JSON reason, the event loop goes on
serving meanwhile, `lectern deliver` waits and says so in one line, and once the lock is gone everything proceeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.federation_shim.shim_client import follow_of, post_signed, stored, wait_for
from tests.lectern_server import LecternServer

HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


class WriteLock:
    """`BEGIN EXCLUSIVE` on a database, held by another process until `release()`."""

    def __init__(self, database: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"
        self.held = True

    def release(self) -> None:
        if self.held:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(timeout=30)
            self.held = False


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("busy") / "project"))
    yield server
    server.stop()


def database(shim: LecternServer) -> Path:
    return shim.project / "instance" / "shim.sqlite3"


def test_a_follow_meets_a_locked_database_with_503_and_succeeds_once_it_is_free(
    shim: LecternServer, remote: RemoteServer
) -> None:
    alice = remote.actors["alice"]
    activity = follow_of(alice, shim)
    answers: list[tuple[int, dict[str, str], dict[str, Any]]] = []
    lock = WriteLock(database(shim))
    try:
        log_before = len(full_log(shim))
        posting = threading.Thread(target=lambda: answers.append(post_signed(shim, alice, activity)))
        posting.start()
        wait_for(lambda: "waiting up to" in full_log(shim)[log_before:], "the shim to wait for the write lock")
        status, _headers, body = shim.get("/.well-known/webfinger?resource=acct:fractions@" + shim.host)
        follow_still_waiting = posting.is_alive()
        posting.join(timeout=60)
        assert lock.held  # all of the above happened while the other process held the lock
    finally:
        lock.release()

    assert status == 200 and json.loads(body)["subject"] == f"acct:fractions@{shim.host}"
    assert follow_still_waiting, "WebFinger was answered only after the Follow gave up: the event loop was blocked"
    [(follow_status, follow_headers, follow_answer)] = answers
    assert (follow_status, follow_answer["reason"]) == (503, "database_busy"), follow_answer
    assert "another process holds its write lock" in follow_answer["detail"]
    assert int(follow_headers["retry-after"]) > 0
    assert stored(shim, activity["id"], alice.id) == (0, 0)

    status, _headers, answer = post_signed(shim, alice, activity)  # the sender's retry, as Mastodon would
    assert (status, answer["reason"]) == (202, "followed"), answer
    assert stored(shim, activity["id"], alice.id) == (1, 1)
    wait_for(lambda: any(a.get("object", {}).get("id") == activity["id"] for a in remote.received), "the Accept")


def test_lectern_deliver_waits_for_a_locked_database_with_one_line_then_delivers(shim: LecternServer) -> None:
    lock = WriteLock(database(shim))
    try:
        deliver = subprocess.Popen(
            [sys.executable, "-m", "lectern.cli", "deliver"],
            cwd=shim.project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=shim_env(shim),
        )
        assert deliver.stderr is not None
        waiting = deliver.stderr.readline()
        still_running = deliver.poll() is None
    finally:
        lock.release()
    out, rest = deliver.communicate(timeout=120)

    assert waiting.startswith("lectern: ") and "busy" in waiting and "waiting for it" in waiting, waiting
    assert still_running
    assert deliver.returncode == 0, waiting + rest
    assert rest == "", rest  # one line while waiting, no traceback
    assert "Sent " in out


def test_lectern_deliver_gives_up_on_a_database_that_stays_locked_with_one_line(shim: LecternServer) -> None:
    lock = WriteLock(database(shim))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "lectern.cli", "deliver"],
            cwd=shim.project,
            capture_output=True,
            text=True,
            timeout=120,
            env=shim_env(shim) | {"LECTERN_BUSY_PATIENCE": "1"},
        )
    finally:
        lock.release()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    waiting, gave_up = result.stderr.splitlines()
    assert "waiting for it" in waiting
    assert gave_up.startswith("lectern: ") and "run the command again later" in gave_up


def test_lectern_followers_remove_on_a_locked_database_says_so_in_one_line(shim: LecternServer) -> None:
    lock = WriteLock(database(shim))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "lectern.cli", "followers", "remove", "https://elsewhere.example/users/x"],
            cwd=shim.project,
            capture_output=True,
            text=True,
            timeout=120,
            env=shim_env(shim),
        )
    finally:
        lock.release()
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("lectern: ") and "busy" in line and "run the command again later" in line, line


def full_log(shim: LecternServer) -> str:
    shim.log()  # flushes it
    return shim.server.log_path.read_text(errors="replace")


def shim_env(shim: LecternServer) -> dict[str, str]:
    return {**os.environ, "LECTERN_SITE_URL": shim.site_url, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
