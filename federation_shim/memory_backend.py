"""The shim's storage in memory (`storage` protocols): for fast tests, and for an app that keeps nothing on disk.

Everything lives in one `MemoryDatabase`: a dict of tables, each a dict of frozen records. `atomic()` holds a lock (so
threads see one change at a time, as SQLite's write lock makes them) and keeps a copy of each table to put back if the
block raises. Stores made on one MemoryDatabase share its transactions, like stores on one SQLite connection. Every
worker runs in this process, so a lease is only ever left behind by a worker that stopped without finishing its jobs:
it expires after LEASE_SECONDS (`reclaim_abandoned` has nothing to take back).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from lectern.federation_shim.key_cache import CachedKey
from lectern.federation_shim.retry_policy import FAILURE_DAYS
from lectern.federation_shim.storage import (
    DONE,
    FAILED,
    GONE,
    LEASE_SECONDS,
    PENDING,
    PURGE_BATCH,
    SKIPPED,
    Follower,
    HostHealth,
    Job,
    JobProblem,
    OutgoingActivity,
    QueueCounts,
    ShimStorage,
    job_host,
)
from lectern.federation_shim.timestamps import now_timestamp, timestamp

__all__ = ["MemoryDatabase", "MemoryDeliveryStore", "MemoryFollowers", "MemoryKeyStore", "memory_storage"]

T = TypeVar("T")


class MemoryDatabase:
    """Tables (name -> dict) behind one lock; see the module docstring."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self._lock = threading.RLock()
        self._depth = 0

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})

    @contextmanager
    def atomic(self) -> Iterator[object]:
        with self._lock:
            saved = {name: dict(rows) for name, rows in self.tables.items()} if not self._depth else None
            self._depth += 1
            try:
                yield self
            except BaseException:
                if saved is not None:
                    self.tables = saved
                raise
            finally:
                self._depth -= 1

    async def write(self, work: Callable[[], T]) -> T:
        return work()

    def close(self) -> None:
        pass


class MemoryFollowers:
    """`storage.FollowerStore`; tables followers ((actor, follower) -> Follower), processed (id -> (kind, actor,
    when))."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database

    def _follows(self) -> dict[tuple[str, str], Follower]:
        return self.database.table("followers")

    def was_processed(self, activity_id: str) -> bool:
        with self.database.atomic():
            return activity_id in self.database.table("processed")

    def mark_processed(self, activity_id: str, kind: str, actor: str) -> bool:
        with self.database.atomic():
            processed = self.database.table("processed")
            if activity_id in processed:
                return False
            processed[activity_id] = (kind, actor, now_timestamp())
            return True

    def forget_processed(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        cutoff = timestamp(before)
        with self.database.atomic():
            processed = self.database.table("processed")
            old = [key for key, (_, _, when) in processed.items() if when < cutoff][:limit]
            for key in old:
                del processed[key]
            return len(old)

    def add_follower(self, follower: Follower, activity_id: str) -> bool:
        with self.database.atomic():
            if not self.mark_processed(activity_id, "Follow", follower.follower):
                return False
            key = (follower.actor, follower.follower)
            before = self._follows().get(key)
            if before is not None:  # a new Follow from a follower: its inboxes and Follow change, not its date
                follower = replace(follower, created_at=before.created_at)
            self._follows()[key] = follower
            return True

    def _remove(self, keep: Callable[[Follower], bool]) -> int:
        follows = self._follows()
        gone = [key for key, follow in follows.items() if not keep(follow)]
        for key in gone:
            del follows[key]
        return len(gone)

    def remove_follower(self, actor: str, follower: str, activity_id: str | None, kind: str = "Undo") -> int | None:
        with self.database.atomic():
            if activity_id and not self.mark_processed(activity_id, kind, follower):
                return None
            return 1 if self._follows().pop((actor, follower), None) else 0

    def remove_remote_actor(self, follower: str, activity_id: str | None) -> int | None:
        with self.database.atomic():
            if activity_id and not self.mark_processed(activity_id, "Delete", follower):
                return None
            keys = self.database.table("keys")
            for key_id in [key_id for key_id, entry in keys.items() if entry.owner == follower]:
                del keys[key_id]
            return self._remove(lambda follow: follow.follower != follower)

    def remove_followers_at(self, inbox: str) -> int:
        with self.database.atomic():
            return self._remove(lambda follow: inbox not in (follow.inbox, follow.shared_inbox))

    def remove_followers_of(self, actor: str) -> int:
        with self.database.atomic():
            return self._remove(lambda follow: follow.actor != actor)

    def follow_of(self, actor: str, follower: str) -> Follower | None:
        with self.database.atomic():
            return self._follows().get((actor, follower))

    def follow_by_id(self, follow_id: str) -> Follower | None:
        with self.database.atomic():
            return next((f for f in self._follows().values() if f.follow_id == follow_id), None)

    def followers_of(self, actor: str, limit: int = 1000, offset: int = 0) -> list[Follower]:
        with self.database.atomic():
            mine = sorted(
                (f for f in self._follows().values() if f.actor == actor), key=lambda f: (f.created_at, f.follower)
            )
        return mine[offset : offset + limit]

    def all_followers(self) -> list[Follower]:
        with self.database.atomic():
            return sorted(self._follows().values(), key=lambda f: (f.actor, f.created_at, f.follower))

    def follower_count(self, actor: str) -> int:
        with self.database.atomic():
            return sum(1 for f in self._follows().values() if f.actor == actor)

    def inboxes_of(self, actors: Iterable[str]) -> list[str]:
        names = set(actors)
        with self.database.atomic():
            return sorted({f.shared_inbox or f.inbox for f in self._follows().values() if f.actor in names})

    def is_known_actor(self, actor_id: str) -> bool:
        with self.database.atomic():
            if any(f.follower == actor_id for f in self._follows().values()):
                return True
            return any(entry.owner == actor_id for entry in self.database.table("keys").values())


class MemoryKeyStore:
    """`storage.KeyStore`: key id -> CachedKey, in the database's keys table."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database

    def get(self, key_id: str, /) -> CachedKey | None:
        with self.database.atomic():
            return cast("CachedKey | None", self.database.table("keys").get(key_id))

    def __setitem__(self, key_id: str, entry: CachedKey, /) -> None:
        with self.database.atomic():
            self.database.table("keys")[key_id] = entry


@dataclass(frozen=True)
class _JobRow:
    job: Job
    state: str
    next_try: float
    lease_until: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    changed: int = 0  # the order of changes, for `problems`
    updated_at: str = ""  # when it last changed (`timestamps` format), for `purge_finished`


def _day(when: datetime) -> str:
    return when.astimezone(UTC).date().isoformat()


class MemoryDeliveryStore:
    """`storage.DeliveryStorage`: tables activities, jobs (id -> _JobRow), job_ids ((activity, inbox) -> id),
    hosts (host -> HostHealth), failure_days (host -> frozenset of days)."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database

    def atomic(self) -> AbstractContextManager[object]:
        return self.database.atomic()

    def _jobs(self) -> dict[int, _JobRow]:
        return self.database.table("jobs")

    def _hosts(self) -> dict[str, HostHealth]:
        return self.database.table("hosts")

    def _save(self, row: _JobRow) -> None:
        counter = self.database.table("counters")
        counter["changes"] = counter.get("changes", 0) + 1
        self._jobs()[row.job.id] = replace(row, changed=counter["changes"], updated_at=now_timestamp())

    def enqueue(self, activity: OutgoingActivity, inboxes: Sequence[str], now: float) -> int:
        with self.database.atomic():
            self.database.table("activities").setdefault(activity.id, activity)
            ids, counter = self.database.table("job_ids"), self.database.table("counters")
            added = 0
            for inbox in inboxes:
                if (activity.id, inbox) in ids:
                    continue
                counter["jobs"] = job_id = counter.get("jobs", 0) + 1
                host = job_host(inbox)
                state = SKIPPED if self.host_is_unavailable(host) else PENDING
                ids[(activity.id, inbox)] = job_id
                self._save(_JobRow(Job(job_id, activity.id, inbox, host, 0), state, now))
                added += 1
            return added

    def reclaim_abandoned(self) -> int:
        return 0

    def claim_due(self, now: float, limit: int) -> list[Job]:
        with self.database.atomic():
            due = sorted(
                (row for row in self._jobs().values() if row.state == PENDING and row.next_try <= now),
                key=lambda row: (row.next_try, row.job.id),
            )
            due = [row for row in due if row.lease_until is None or row.lease_until < now][:limit]
            for row in due:
                self._jobs()[row.job.id] = replace(row, lease_until=now + LEASE_SECONDS)
            return [row.job for row in due]

    def activity(self, activity_id: str) -> tuple[str, bytes]:
        with self.database.atomic():
            activity: OutgoingActivity = self.database.table("activities")[activity_id]
        return activity.signer, activity.body

    def next_due(self) -> float | None:
        with self.database.atomic():
            return min((row.next_try for row in self._jobs().values() if row.state == PENDING), default=None)

    def finish(
        self, job: Job, state: str, status: int, detail: str, next_try: float | None = None, attempts: int | None = None
    ) -> None:
        with self.database.atomic():
            row = self._jobs()[job.id]
            tries = job.attempts if attempts is None else attempts
            self._save(
                replace(
                    row,
                    job=replace(row.job, attempts=tries),
                    state=state,
                    next_try=row.next_try if next_try is None else next_try,
                    lease_until=None,
                    last_status=status,
                    last_error=detail[:500],
                )
            )

    def mark_delivered(self, delivered: Sequence[tuple[int, int, int]], stamp: str) -> None:
        with self.database.atomic():
            for attempts, status, job_id in delivered:
                row = self._jobs()[job_id]
                job = replace(row.job, attempts=attempts)
                self._save(replace(row, job=job, state=DONE, lease_until=None, last_status=status, last_error=""))

    def defer(self, job: Job, until: float) -> None:
        with self.database.atomic():
            self._jobs()[job.id] = replace(self._jobs()[job.id], next_try=until, lease_until=None)

    def counts(self, now: float) -> QueueCounts:
        found = dict.fromkeys((PENDING, "retrying", DONE, FAILED, GONE, SKIPPED), 0)
        with self.database.atomic():
            for row in self._jobs().values():
                found["retrying" if row.state == PENDING and row.job.attempts > 0 else row.state] += 1
        return QueueCounts(**found)

    def problems(self, limit: int = 20) -> list[JobProblem]:
        with self.database.atomic():
            rows = [
                row
                for row in self._jobs().values()
                if row.state in (FAILED, GONE, SKIPPED) or (row.state == PENDING and row.job.attempts > 0)
            ]
        rows.sort(key=lambda row: row.changed, reverse=True)
        return [
            JobProblem(row.state, row.job.activity_id, row.job.inbox, row.job.attempts, row.last_status, row.last_error)
            for row in rows[:limit]
        ]

    def purge_finished(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        cutoff = timestamp(before)
        with self.database.atomic():
            jobs, ids = self._jobs(), self.database.table("job_ids")
            old = [row for row in jobs.values() if row.state != PENDING and row.updated_at < cutoff][:limit]
            for row in old:
                del jobs[row.job.id]
                del ids[(row.job.activity_id, row.job.inbox)]
            still_used = {activity for activity, _ in ids}
            activities = self.database.table("activities")
            for activity in {row.job.activity_id for row in old} - still_used:
                activities.pop(activity, None)
            return len(old)

    # Host health
    def failing_hosts(self) -> dict[str, HostHealth]:
        with self.database.atomic():
            return dict(self._hosts())

    def host_is_unavailable(self, host: str) -> bool:
        with self.database.atomic():
            health = self._hosts().get(host)
        return health is not None and health.unavailable

    def host_succeeded(self, host: str) -> None:
        with self.database.atomic():
            self._hosts().pop(host, None)
            self.database.table("failure_days").pop(host, None)

    def host_failed(self, host: str, when: datetime) -> int:
        with self.database.atomic():
            days_by_host = self.database.table("failure_days")
            days = days_by_host[host] = days_by_host.get(host, frozenset()) | {_day(when)}
            health = self._hosts().get(host) or HostHealth(0, 0.0, 0, False)
            self._hosts()[host] = replace(health, failures=health.failures + 1, unavailable=len(days) >= FAILURE_DAYS)
            return len(days)

    def consecutive_failures(self, host: str) -> tuple[int, float, int]:
        with self.database.atomic():
            health = self._hosts().get(host)
        return (health.failures, health.open_until, health.times_opened) if health else (0, 0.0, 0)

    def open_breaker(self, host: str, until: float) -> None:
        with self.database.atomic():
            health = self._hosts().get(host)
            if health is not None:
                self._hosts()[host] = HostHealth(0, until, health.times_opened + 1, health.unavailable)

    def host_answered(self, host: str) -> None:
        with self.database.atomic():
            health = self._hosts().get(host)
            if health is not None:
                self._hosts()[host] = HostHealth(0, 0.0, health.times_opened, False)
                self.database.table("failure_days").pop(host, None)


def memory_storage(database: MemoryDatabase | None = None) -> ShimStorage:
    """Every store in memory, on `database` (a new one by default; pass one to share it, as a second connection)."""
    database = MemoryDatabase() if database is None else database
    return ShimStorage(database, MemoryFollowers(database), MemoryKeyStore(database), MemoryDeliveryStore(database))
