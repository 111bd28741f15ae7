"""Talking to a real `lectern serve` as a remote server would: signed Follows, answers with their headers, and what
the shim stored in its own SQLite database. Shared by the tests of faults and concurrency."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from tests.federation_shim.remote_actors import RemoteActor
from tests.lectern_server import LecternServer


def follow_of(actor: RemoteActor, shim: LecternServer, collection: str = "fractions") -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.id}/follows/{uuid.uuid4()}",
        "type": "Follow",
        "actor": actor.id,
        "object": f"{shim.site_url}/ap/actors/{collection}.json",
    }


def post_signed(
    shim: LecternServer, actor: RemoteActor, activity: dict[str, Any], collection: str = "fractions"
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST `activity` to the collection's inbox, signed by `actor`: (status, headers in lower case, JSON answer)."""
    path = f"/ap/actors/{collection}/inbox"
    body = json.dumps(activity).encode()
    headers = {k: v for k, v in actor.sign(shim.site_url + path, body).items() if k.lower() != "host"}
    request = urllib.request.Request(shim.site_url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read() or b"{}")


def stored(shim: LecternServer, activity_id: str, follower: str) -> tuple[int, int]:
    """(follower rows of `follower`, processed rows of `activity_id`) in the shim's own database."""
    db = sqlite3.connect(f"file:{shim.project / 'instance' / 'shim.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT count(*) FROM followers WHERE follower = ?", (follower,)).fetchone()[0]
        done = db.execute("SELECT count(*) FROM processed_activities WHERE id = ?", (activity_id,)).fetchone()[0]
        return int(rows), int(done)
    finally:
        db.close()


def wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Wait until `condition()` holds; `limit` only stops a broken test from hanging, it asserts nothing of speed."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)
