"""A shim database made before the storage protocols (tests/federation_shim/schema_before_protocols.sql, with rows as
that version wrote them) opens with today's SQLite stores and keeps its followers, keys, queue and record."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from lectern.federation_shim.sqlite_backend import sqlite_storage
from lectern.federation_shim.storage import Follower, HostHealth
from lectern.told_record import plan_recorder

SCHEMA = Path(__file__).with_name("schema_before_protocols.sql")
SITE = "https://oer.example"
ADA = Follower("fractions", "https://a.example/users/ada", "https://a.example/users/ada/inbox", "https://a.example/inbox",
               "https://a.example/follows/1", "2026-10-01T00:00:00Z")  # fmt: skip
ACTIVITY = f"{SITE}/ap/activities/fractions/strips/create.json"


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def database_before_protocols(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA.read_text(encoding="utf-8"))
    db.execute("INSERT INTO followers VALUES (?, ?, ?, ?, ?, ?)", tuple(vars(ADA).values()))
    db.execute(
        "INSERT INTO processed_activities VALUES (?, 'Follow', ?, '2026-10-01T00:00:00Z')",
        (ADA.follow_id, ADA.follower),
    )
    db.execute("INSERT INTO remote_keys VALUES (?, ?, 'PEM', 1700000000.0)", (ADA.follower + "#main-key", ADA.follower))
    db.execute("INSERT INTO delivery_meta VALUES ('baseline', '2026-10-01T00:00:00Z'), ('site_url', ?)", (SITE,))
    db.execute(
        "INSERT INTO delivered_items VALUES ('fractions/strips', ?, 'h1', '2026-10-01T00:00:00Z', 1)", (SITE + "/o",)
    )
    db.execute(
        "INSERT INTO outgoing_activities VALUES (?, 'Create', 'library', ?, '2026-10-01T00:00:00Z')", (ACTIVITY, b"{}")
    )
    jobs = [
        ("https://a.example/inbox", "a.example", None, None),  # waiting
        ("https://b.example/inbox", "b.example", dead_pid(), 1e12),  # leased by a worker killed midway
    ]
    for inbox, host, owner, until in jobs:
        db.execute(
            "INSERT INTO delivery_jobs (activity_id, inbox, host, state, attempts, next_try, lease_owner, lease_until, "
            "updated_at) VALUES (?, ?, ?, 'pending', 0, 0, ?, ?, '2026-10-01T00:00:00Z')",
            (ACTIVITY, inbox, host, owner, until),
        )
    db.execute("INSERT INTO host_health VALUES ('c.example', 2, 0, 1, 0)")
    db.execute("INSERT INTO host_failure_days VALUES ('c.example', '2026-10-01')")
    db.close()


def test_a_database_made_before_the_protocols_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "shim.sqlite3"
    database_before_protocols(path)
    storage = sqlite_storage(path)
    try:
        assert storage.followers.all_followers() == [ADA]
        assert not storage.followers.add_follower(ADA, ADA.follow_id)  # its Follow is known as processed
        assert storage.followers.is_known_actor(ADA.follower)
        key = storage.keys.get(ADA.follower + "#main-key")
        assert key is not None and key.owner == ADA.follower
        told = plan_recorder(storage).told
        assert not told.first_run() and not told.site_url_changed(SITE)
        assert [item.object_id for item in told.delivered_items().values()] == [SITE + "/o"]
        queue = storage.deliveries
        assert [job.host for job in queue.claim_due(1.0, 10)] == ["a.example"]
        assert queue.reclaim_abandoned() == 1
        assert [job.host for job in queue.claim_due(1.0, 10)] == ["b.example"]
        assert queue.activity(ACTIVITY) == ("library", b"{}")
        assert queue.failing_hosts() == {"c.example": HostHealth(2, 0.0, 1, False)}
        assert queue.host_failed("c.example", datetime(2026, 10, 2, tzinfo=UTC)) == 2  # its failing day was kept
    finally:
        storage.close()


def test_a_lease_of_a_worker_that_still_runs_is_not_taken_back(tmp_path: Path) -> None:
    path = tmp_path / "shim.sqlite3"
    database_before_protocols(path)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    storage = sqlite_storage(path)
    try:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute(
            "UPDATE delivery_jobs SET lease_owner = ?, lease_until = 1e12 WHERE host = 'a.example'", (worker.pid,)
        )
        db.close()
        assert storage.deliveries.reclaim_abandoned() == 1  # the dead worker's job, not the running one's
        assert [job.host for job in storage.deliveries.claim_due(1.0, 10)] == ["b.example"]
    finally:
        storage.close()
        worker.kill()
        worker.wait()
