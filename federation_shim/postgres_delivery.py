"""The delivery queue and host health on PostgreSQL (`storage.DeliveryStorage`), for any number of delivery workers
on any number of machines.

A worker claims due jobs with `FOR UPDATE SKIP LOCKED`: two workers claiming at once lock different rows, and each
leases its rows (`lease_owner`, `lease_until`) in the same statement, so no job is claimed twice. A lease names the
worker by a random 62-bit number; while it works, the worker holds a session-level advisory lock on that number on a
connection of its own (its presence). A worker that dies, or whose machine does, loses its connection and with it the
lock (at once for a killed process; for a lost machine, when the server notices the dead connection), and
`reclaim_abandoned` takes back the leases of owners whose lock nobody holds. A lease also expires after
LEASE_SECONDS, whatever happened to its worker. So nothing is lost, and only requests in flight at a crash can be sent
twice (receivers deduplicate by activity id, which is stable).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

import psycopg

from lectern.federation_shim.lru_dict import LRUDict
from lectern.federation_shim.postgres_database import Connection, PostgresDatabase
from lectern.federation_shim.retry_policy import FAILURE_DAYS
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

__all__ = ["PostgresDeliveryStore"]

# A host seen with no failure on record is not looked up again for this long when it sends us a request
HEALTHY_MEMORY_SECONDS = 30.0

# Advisory locks of one bigint key show in pg_locks as classid (high 32 bits) and objid (low), objsubid 1
LIVE_OWNERS = """
SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks
WHERE locktype = 'advisory' AND objsubid = 1 AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


class PostgresDeliveryStore:
    """`storage.DeliveryStorage` on PostgreSQL; see the module docstring."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database
        self.owner = secrets.randbits(62) + 1  # this worker, in the leases it takes
        self._presence: Connection | None = None
        self._presence_lock = threading.Lock()
        self._healthy: LRUDict[str, float] = LRUDict(10_000)  # host -> until when it has no failure on record
        database.on_close(self.close)

    def atomic(self) -> AbstractContextManager[object]:
        return self.database.atomic()

    def close(self) -> None:
        """Give up this worker's presence (its leases then count as abandoned)."""
        with self._presence_lock:
            if self._presence is not None:
                self._presence.close()
                self._presence = None

    def _be_present(self) -> None:
        """Hold this worker's advisory lock on a connection of its own, opened on the first claim (again if lost)."""
        with self._presence_lock:
            if self._presence is not None and not self._presence.closed and not self._presence.broken:
                return
            with self.database.faults():
                presence = psycopg.connect(self.database.url, autocommit=True)
                presence.execute("SELECT pg_advisory_lock(%s)", (self.owner,))
            self._presence = presence

    def enqueue(self, activity: OutgoingActivity, inboxes: Sequence[str], now: float) -> int:
        with self.database.atomic() as db:
            db.execute(
                "INSERT INTO outgoing_activities (id, type, signer, body) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (id) DO NOTHING",
                (activity.id, activity.type, activity.signer, activity.body),
            )
            hosts = [job_host(inbox) for inbox in inboxes]
            return db.execute(
                "INSERT INTO delivery_jobs (activity_id, inbox, host, state, next_try) "
                "SELECT %s, job.inbox, job.host, CASE WHEN health.unavailable THEN %s ELSE %s END, %s "
                "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS job (inbox, host, n) "
                "LEFT JOIN host_health AS health ON health.host = job.host "
                "ORDER BY job.n ON CONFLICT (activity_id, inbox) DO NOTHING",
                (activity.id, SKIPPED, PENDING, now, list(inboxes), hosts),
            ).rowcount

    # The worker's side
    def reclaim_abandoned(self) -> int:
        """Take back the leases of workers whose presence is gone, so their jobs are sent at once."""
        with self.database.connection() as db:
            return db.execute(
                "UPDATE delivery_jobs SET lease_owner = NULL, lease_until = NULL WHERE state = 'pending' "
                f"AND lease_owner IS NOT NULL AND lease_owner <> %s AND lease_owner NOT IN ({LIVE_OWNERS})",
                (self.owner,),
            ).rowcount

    def claim_due(self, now: float, limit: int) -> list[Job]:
        self._be_present()
        with self.database.connection() as db:
            rows = db.execute(
                "UPDATE delivery_jobs SET lease_owner = %s, lease_until = %s WHERE id IN ("
                " SELECT id FROM delivery_jobs WHERE state = 'pending' AND next_try <= %s"
                " AND (lease_until IS NULL OR lease_until < %s) ORDER BY next_try, id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id, activity_id, inbox, host, attempts",
                (self.owner, now + LEASE_SECONDS, now, now, limit),
            ).fetchall()
        return [Job(*row) for row in rows]

    def activity(self, activity_id: str) -> tuple[str, bytes]:
        with self.database.connection() as db:
            row = db.execute("SELECT signer, body FROM outgoing_activities WHERE id = %s", (activity_id,)).fetchone()
        if row is None:
            raise KeyError(activity_id)
        return str(row[0]), bytes(row[1])

    def next_due(self) -> float | None:
        with self.database.connection() as db:
            row = db.execute("SELECT min(next_try) FROM delivery_jobs WHERE state = 'pending'").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def finish(
        self, job: Job, state: str, status: int, detail: str, next_try: float | None = None, attempts: int | None = None
    ) -> None:
        with self.database.connection() as db:
            db.execute(
                "UPDATE delivery_jobs SET state = %s, attempts = %s, next_try = coalesce(%s, next_try), "
                "lease_owner = NULL, lease_until = NULL, last_status = %s, last_error = %s, "
                "updated_at = clock_timestamp() WHERE id = %s",
                (state, job.attempts if attempts is None else attempts, next_try, status, detail[:500], job.id),
            )

    def mark_delivered(self, delivered: Sequence[tuple[int, int, int]], stamp: str) -> None:
        """Mark many jobs done in one statement: (attempts, status, job id) each (`stamp` is the server's clock)."""
        if not delivered:
            return
        attempts, statuses, ids = (list(column) for column in zip(*delivered, strict=True))
        with self.database.connection() as db:
            db.execute(
                "UPDATE delivery_jobs AS job SET state = 'done', attempts = done.attempts, lease_owner = NULL, "
                "lease_until = NULL, last_status = done.status, last_error = '', updated_at = clock_timestamp() "
                "FROM unnest(%s::int[], %s::int[], %s::bigint[]) AS done (attempts, status, id) WHERE job.id = done.id",
                (attempts, statuses, ids),
            )

    def defer(self, job: Job, until: float) -> None:
        with self.database.connection() as db:
            db.execute(
                "UPDATE delivery_jobs SET next_try = %s, lease_owner = NULL, lease_until = NULL WHERE id = %s",
                (until, job.id),
            )

    # Host health
    def failing_hosts(self) -> dict[str, HostHealth]:
        with self.database.connection() as db:
            rows = db.execute(
                "SELECT host, consecutive_failures, open_until, times_opened, unavailable FROM host_health"
            ).fetchall()
        return {row[0]: HostHealth(int(row[1]), float(row[2]), int(row[3]), bool(row[4])) for row in rows}

    def host_is_unavailable(self, host: str) -> bool:
        with self.database.connection() as db:
            row = db.execute("SELECT unavailable FROM host_health WHERE host = %s", (host,)).fetchone()
        return bool(row and row[0])

    def host_succeeded(self, host: str) -> None:
        with self.database.atomic() as db:
            db.execute("DELETE FROM host_failure_days WHERE host = %s", (host,))
            db.execute("DELETE FROM host_health WHERE host = %s", (host,))

    def host_failed(self, host: str, when: datetime) -> int:
        self._healthy.pop(host, None)
        with self.database.atomic() as db:
            db.execute(
                "INSERT INTO host_failure_days (host, day) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (host, when.astimezone(UTC).date()),
            )
            row = db.execute("SELECT count(*) FROM host_failure_days WHERE host = %s", (host,)).fetchone()
            days = int(row[0]) if row else 1
            db.execute(
                "INSERT INTO host_health (host, consecutive_failures, unavailable) VALUES (%s, 1, %s) "
                "ON CONFLICT (host) DO UPDATE SET consecutive_failures = host_health.consecutive_failures + 1, "
                "unavailable = excluded.unavailable",
                (host, days >= FAILURE_DAYS),
            )
        return days

    def consecutive_failures(self, host: str) -> tuple[int, float, int]:
        with self.database.connection() as db:
            row = db.execute(
                "SELECT consecutive_failures, open_until, times_opened FROM host_health WHERE host = %s", (host,)
            ).fetchone()
        return (int(row[0]), float(row[1]), int(row[2])) if row else (0, 0.0, 0)

    def open_breaker(self, host: str, until: float) -> None:
        with self.database.connection() as db:
            db.execute(
                "UPDATE host_health SET open_until = %s, times_opened = times_opened + 1, consecutive_failures = 0 "
                "WHERE host = %s",
                (until, host),
            )

    def host_answered(self, host: str) -> None:
        """A verified request came from `host`: it is alive again."""
        now = time.monotonic()
        if self._healthy.get(host, 0.0) > now:
            return  # the common case, on every verified request: known to have nothing to clear
        with self.database.atomic() as db:
            cleared = db.execute(
                "UPDATE host_health SET unavailable = false, consecutive_failures = 0, open_until = 0 WHERE host = %s",
                (host,),
            ).rowcount
            db.execute("DELETE FROM host_failure_days WHERE host = %s", (host,))
        if not cleared:
            self._healthy[host] = now + HEALTHY_MEMORY_SECONDS

    # For `lectern status`
    def counts(self, now: float) -> QueueCounts:
        found = dict.fromkeys(("pending", "retrying", "done", "failed", "gone", "skipped"), 0)
        with self.database.connection() as db:
            rows = db.execute(
                "SELECT state, state = 'pending' AND attempts > 0, count(*) FROM delivery_jobs GROUP BY 1, 2"
            ).fetchall()
        for state, retrying, count in rows:
            found["retrying" if retrying else state] += int(count)
        return QueueCounts(**found)

    def purge_finished(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        with self.database.connection() as db:
            gone = db.execute(
                "DELETE FROM delivery_jobs WHERE id IN (SELECT id FROM delivery_jobs "
                "WHERE state <> 'pending' AND updated_at < %s LIMIT %s) RETURNING activity_id",
                (before, limit),
            ).fetchall()
            activities = sorted({row[0] for row in gone})
            if activities:
                db.execute(
                    "DELETE FROM outgoing_activities AS a WHERE a.id = ANY(%s) "
                    "AND NOT EXISTS (SELECT 1 FROM delivery_jobs AS j WHERE j.activity_id = a.id)",
                    (activities,),
                )
        return len(gone)

    def problems(self, limit: int = 20) -> list[JobProblem]:
        with self.database.connection() as db:
            rows = db.execute(
                "SELECT state, activity_id, inbox, attempts, last_status, last_error FROM delivery_jobs "
                "WHERE state IN ('failed', 'gone', 'skipped') OR (state = 'pending' AND attempts > 0) "
                "ORDER BY updated_at DESC, id DESC LIMIT %s",
                (limit,),
            ).fetchall()
        return [JobProblem(*row) for row in rows]
