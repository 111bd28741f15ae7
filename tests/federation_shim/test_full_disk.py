"""The shim's instance folder on a real full disk (a small tmpfs, filled): a Follow is refused with 503, Retry-After
and a JSON reason, what was stored before stays, and the same Follow succeeds once there is space again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.federation_shim.shim_client import follow_of, post_signed, stored
from tests.full_disk import fill, free, small_disk
from tests.lectern_server import LecternServer


def test_a_follow_on_a_full_disk_is_refused_with_503_and_nothing_stored_before_is_lost(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    remote = RemoteServer().start()
    alice, bob = remote.add("alice", 1), remote.add("bob", 2)
    with small_disk(project / "instance", "2m") as instance:
        shim = LecternServer(project)
        try:
            earlier = follow_of(bob, shim)
            assert post_signed(shim, bob, earlier)[0] == 202

            fill(instance)
            activity = follow_of(alice, shim)
            status, headers, answer = post_signed(shim, alice, activity)
            assert status == 503, answer
            assert answer["status"] == "error" and answer["reason"] in ("disk_full", "storage_error"), answer
            assert "disk" in answer["detail"]
            assert int(headers["retry-after"]) > 0
            assert stored(shim, activity["id"], alice.id) == (0, 0)
            assert stored(shim, earlier["id"], bob.id) == (1, 1)

            free(instance)
            status, _headers, answer = post_signed(shim, alice, activity)  # the sender's retry
            assert (status, answer["reason"]) == (202, "followed"), answer
            assert stored(shim, activity["id"], alice.id) == (1, 1)
            assert stored(shim, earlier["id"], bob.id) == (1, 1)
        finally:
            shim.stop()
            remote.stop()
        db = sqlite3.connect(instance / "shim.sqlite3")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            db.close()
