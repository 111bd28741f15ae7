"""The durable delivery queue and host health in the shim's SQLite database (`storage.DeliveryStorage`).

A job (one activity to one inbox) is written before anything is sent; it is marked done only after a 2xx. A worker
claims due jobs with a lease naming its process; a worker that died (kill -9) leaves leases that the next worker takes
back at once (the database is a file on this machine, so whether the process runs tells), so nothing is lost and only
the requests that were in flight can be sent twice (receivers deduplicate by activity id, which is stable).

    outgoing_activities  id -> signer, body: each activity once, however many inboxes it goes to
    delivery_jobs        (activity, inbox) -> state, attempts, next_try, lease, last status and error
    host_health          per host: consecutive failures, circuit breaker, unavailable after 7 failing days

What an app records beside its jobs (Lectern: what followers were told, `told_record`) goes in its own tables, in the
same transaction when it calls the queue inside `atomic()`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from lectern.federation_shim.key_cache import LRUDict
from lectern.federation_shim.processes import pid_alive
from lectern.federation_shim.retry_policy import FAILURE_DAYS
from lectern.federation_shim.state import ShimState
from lectern.federation_shim.storage import (
    LEASE_SECONDS,
    PENDING,
    PURGE_BATCH,
    SKIPPED,
    HostHealth,
    Job,
    JobProblem,
    OutgoingActivity,
    QueueCounts,
    job_host,
)
from lectern.federation_shim.timestamps import now_timestamp, timestamp

__all__ = ["DeliveryStore", "HostHealth", "Job", "QueueCounts"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS outgoing_activities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, signer TEXT NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_jobs (
    id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL REFERENCES outgoing_activities (id),
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending, done, failed, gone, skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    lease_owner INTEGER,
    lease_until REAL,
    last_status INTEGER,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX IF NOT EXISTS delivery_jobs_due ON delivery_jobs (state, next_try);
CREATE TABLE IF NOT EXISTS host_health (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    open_until REAL NOT NULL DEFAULT 0,
    times_opened INTEGER NOT NULL DEFAULT 0,
    unavailable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS host_failure_days (host TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (host, day));
"""

# A host seen with no failure on record is not looked up again for this long when it sends us a request (a failure
# recorded by this process forgets it at once; one recorded by another process is seen within this time).
HEALTHY_MEMORY_SECONDS = 30.0

logger = logging.getLogger(__name__)


class DeliveryStore:
    """The queue's tables, on the shim's database connection."""

    def __init__(self, state: ShimState) -> None:
        self.state = state
        self.db: sqlite3.Connection = state.db
        self.db.executescript(SCHEMA)
        self._healthy: LRUDict[str, float] = LRUDict(10_000)  # host -> until when it has no failure on record

    def atomic(self) -> AbstractContextManager[object]:
        return self.state.transaction()

    def enqueue(self, activity: OutgoingActivity, inboxes: Sequence[str], now: float) -> int:
        stamp = now_timestamp()
        with self.state.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO outgoing_activities VALUES (?, ?, ?, ?, ?)",
                (activity.id, activity.type, activity.signer, activity.body, stamp),
            )
            unavailable = {row[0] for row in db.execute("SELECT host FROM host_health WHERE unavailable = 1")}
            rows = []
            for inbox in inboxes:
                host = job_host(inbox)
                rows.append((activity.id, inbox, host, SKIPPED if host in unavailable else PENDING, now, stamp))
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO delivery_jobs (activity_id, inbox, host, state, next_try, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            return db.total_changes - before

    # The worker's side
    def reclaim_abandoned(self) -> int:
        """Take back the leases of workers that died, so their jobs are sent at once."""
        owners = [
            row[0]
            for row in self.db.execute(
                "SELECT DISTINCT lease_owner FROM delivery_jobs WHERE state = 'pending' AND lease_owner IS NOT NULL"
            )
        ]
        dead = [owner for owner in owners if owner != os.getpid() and not pid_alive(owner)]
        reclaimed = 0
        for owner in dead:
            reclaimed += self.db.execute(
                "UPDATE delivery_jobs SET lease_owner = NULL, lease_until = NULL "
                "WHERE state = 'pending' AND lease_owner = ?",
                (owner,),
            ).rowcount
        return reclaimed

    def claim_due(self, now: float, limit: int) -> list[Job]:
        rows = self.db.execute(
            "UPDATE delivery_jobs SET lease_owner = ?, lease_until = ? WHERE id IN ("
            " SELECT id FROM delivery_jobs WHERE state = 'pending' AND next_try <= ?"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_try, id LIMIT ?)"
            " RETURNING id, activity_id, inbox, host, attempts",
            (os.getpid(), now + LEASE_SECONDS, now, now, limit),
        ).fetchall()
        return [Job(*row) for row in rows]

    def activity(self, activity_id: str) -> tuple[str, bytes]:
        row = self.db.execute("SELECT signer, body FROM outgoing_activities WHERE id = ?", (activity_id,)).fetchone()
        return str(row[0]), bytes(row[1])

    def next_due(self) -> float | None:
        row = self.db.execute("SELECT min(next_try) FROM delivery_jobs WHERE state = 'pending'").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def finish(
        self, job: Job, state: str, status: int, detail: str, next_try: float | None = None, attempts: int | None = None
    ) -> None:
        self.db.execute(
            "UPDATE delivery_jobs SET state = ?, attempts = ?, next_try = coalesce(?, next_try), lease_owner = NULL,"
            " lease_until = NULL, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (
                state,
                job.attempts if attempts is None else attempts,
                next_try,
                status,
                detail[:500],
                now_timestamp(),
                job.id,
            ),
        )

    def mark_delivered(self, delivered: Sequence[tuple[int, int, int]], stamp: str) -> None:
        """Mark many jobs done at once: (attempts, status, job id) each (the worker's common case, batched)."""
        self.db.executemany(
            "UPDATE delivery_jobs SET state = 'done', attempts = ?, lease_owner = NULL, lease_until = NULL, "
            "last_status = ?, last_error = '', updated_at = ? WHERE id = ?",
            [(attempts, status, stamp, job_id) for attempts, status, job_id in delivered],
        )

    def defer(self, job: Job, until: float) -> None:
        """Put a job back without counting an attempt (its host's circuit is open)."""
        self.db.execute(
            "UPDATE delivery_jobs SET next_try = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
            (until, job.id),
        )

    # Host health
    def failing_hosts(self) -> dict[str, HostHealth]:
        """Every host with a failure on record (healthy hosts have no row), for the worker's quick checks."""
        rows = self.db.execute(
            "SELECT host, consecutive_failures, open_until, times_opened, unavailable FROM host_health"
        ).fetchall()
        return {row[0]: HostHealth(int(row[1]), float(row[2]), int(row[3]), bool(row[4])) for row in rows}

    def host_is_unavailable(self, host: str) -> bool:
        row = self.db.execute("SELECT unavailable FROM host_health WHERE host = ?", (host,)).fetchone()
        return bool(row and row[0])

    def host_succeeded(self, host: str) -> None:
        with self.state.transaction() as db:
            db.execute("DELETE FROM host_failure_days WHERE host = ?", (host,))
            db.execute("DELETE FROM host_health WHERE host = ?", (host,))

    def host_failed(self, host: str, when: datetime) -> int:
        """Record a failure; returns the number of separate days this host has failed on (and marks it unavailable
        from FAILURE_DAYS on)."""
        self._healthy.pop(host, None)
        with self.state.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO host_failure_days VALUES (?, ?)", (host, when.astimezone(UTC).date().isoformat())
            )
            days = int(db.execute("SELECT count(*) FROM host_failure_days WHERE host = ?", (host,)).fetchone()[0])
            db.execute(
                "INSERT INTO host_health (host, consecutive_failures, unavailable) VALUES (?, 1, ?) "
                "ON CONFLICT (host) DO UPDATE SET consecutive_failures = consecutive_failures + 1, "
                "unavailable = excluded.unavailable",
                (host, int(days >= FAILURE_DAYS)),
            )
        return days

    def consecutive_failures(self, host: str) -> tuple[int, float, int]:
        row = self.db.execute(
            "SELECT consecutive_failures, open_until, times_opened FROM host_health WHERE host = ?", (host,)
        ).fetchone()
        return (int(row[0]), float(row[1]), int(row[2])) if row else (0, 0.0, 0)

    def open_breaker(self, host: str, until: float) -> None:
        self.db.execute(
            "UPDATE host_health SET open_until = ?, times_opened = times_opened + 1, "
            "consecutive_failures = 0 WHERE host = ?",
            (until, host),
        )

    def host_answered(self, host: str) -> None:
        """A verified request came from `host`: it is alive again (Mastodon clears its unavailable mark too)."""
        now = time.monotonic()
        if self._healthy.get(host, 0.0) > now:
            return  # the common case, on every verified request: known to have nothing to clear
        if self.db.execute("SELECT 1 FROM host_health WHERE host = ?", (host,)).fetchone() is None:
            self._healthy[host] = now + HEALTHY_MEMORY_SECONDS
            return
        with self.state.transaction() as db:
            db.execute(
                "UPDATE host_health SET unavailable = 0, consecutive_failures = 0, open_until = 0 WHERE host = ?",
                (host,),
            )
            db.execute("DELETE FROM host_failure_days WHERE host = ?", (host,))

    # For `lectern status`
    def counts(self, now: float) -> QueueCounts:
        found = dict.fromkeys(("pending", "retrying", "done", "failed", "gone", "skipped"), 0)
        for state, retrying, count in self.db.execute(
            "SELECT state, state = 'pending' AND attempts > 0, count(*) FROM delivery_jobs GROUP BY 1, 2"
        ):
            found["retrying" if retrying else state] += int(count)
        return QueueCounts(**found)

    def purge_finished(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        with self.state.transaction() as db:
            rows = db.execute(
                "SELECT id, activity_id FROM delivery_jobs WHERE state != 'pending' AND updated_at < ? LIMIT ?",
                (timestamp(before), limit),
            ).fetchall()
            db.executemany("DELETE FROM delivery_jobs WHERE id = ?", [(job_id,) for job_id, _ in rows])
            db.executemany(
                "DELETE FROM outgoing_activities WHERE id = ? "
                "AND NOT EXISTS (SELECT 1 FROM delivery_jobs WHERE activity_id = ?)",
                [(activity, activity) for activity in {activity for _, activity in rows}],
            )
            return len(rows)

    def problems(self, limit: int = 20) -> list[JobProblem]:
        """Failing and retrying jobs, newest first."""
        rows = self.db.execute(
            "SELECT state, activity_id, inbox, attempts, last_status, last_error FROM delivery_jobs "
            "WHERE state IN ('failed', 'gone', 'skipped') OR (state = 'pending' AND attempts > 0) "
            "ORDER BY updated_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [JobProblem(*row) for row in rows]
