"""The shim's storage, as small protocols: what the inbox, the key cache and the delivery worker need of it.

    ProcessedActivities  activity ids already processed: the inbox's deduplication
    FollowerStore        who follows which of our actors (each change claims the activity that asked for it)
    KeyStore             the key cache's store: key id -> CachedKey (`key_cache.KeyStore`; a MutableMapping is one)
    DeliveryQueue        jobs (one activity to one inbox): enqueue, claim with a lease, finish, retry later
    HostHealthStore      per host: consecutive failures, circuit breaker, unavailable after failing on 7 days
    Database             what the stores above share: `atomic()` (one transaction) and `write()` (without blocking
                         the event loop on another process's lock), `close()`

Implementations: SQLite (`federation_shim.state.ShimState`, `federation_shim.delivery_store.DeliveryStore`,
`federation_shim.sqlite_key_store.SqliteKeyStore`; `sqlite_storage` makes the set) and in memory
(`federation_shim.memory_backend.memory_storage`, for tests and for apps that need no persistence). One shared test
suite (`tests/federation_shim/storage_contract/`) runs against each.

Rules every implementation keeps (the contract tests check them):

* Each method is one transaction. Stores made on one database share it: a method called inside that database's
  `atomic()` joins the transaction instead of making its own, so an app can combine the changes of several stores
  (Lectern records what followers were told and queues the jobs that tell them in one).
* A claimed job is leased to the claiming worker until `finish`, `defer` or `mark_delivered`, or until the lease
  expires; two claimers never get the same job. `reclaim_abandoned` takes back at once the leases of workers that
  are gone (how a store tells is its own: SQLite asks whether the process still runs; a shared server database would
  ask whether the worker's session still exists).
* A write that cannot be made now (a busy database, a full disk) raises `storage_faults.StorageUnavailable` having
  kept nothing of it; `Database.write` retries the busy case for a while without blocking the event loop.

The methods are synchronous: each is a short call (microseconds on SQLite, one round trip on a server database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol, TypeVar
from urllib.parse import urlsplit

from lectern.federation_shim.key_cache import CachedKey, KeyStore

__all__ = [
    "CachedKey",
    "Database",
    "DeliveryQueue",
    "DeliveryStorage",
    "Follower",
    "FollowerStore",
    "HostHealth",
    "HostHealthStore",
    "Job",
    "JobProblem",
    "KeyStore",
    "OutgoingActivity",
    "ProcessedActivities",
    "QueueCounts",
    "ShimStorage",
    "job_host",
]

T = TypeVar("T")

# Job states
PENDING, DONE, FAILED, GONE, SKIPPED = "pending", "done", "failed", "gone", "skipped"
LEASE_SECONDS = 120.0  # a claimed job not finished in this time may be claimed by another worker


@dataclass(frozen=True)
class Follower:
    actor: str  # our actor's name: a collection slug or the site actor
    follower: str  # the remote actor's id
    inbox: str
    shared_inbox: str | None
    follow_id: str  # the id of the Follow activity, for Undo and for the Accept
    created_at: str


@dataclass(frozen=True)
class OutgoingActivity:
    """An activity to send, stored once however many inboxes it goes to; `signer` names the actor whose key signs."""

    id: str
    type: str
    signer: str
    body: bytes


@dataclass(frozen=True)
class Job:
    id: int
    activity_id: str
    inbox: str
    host: str
    attempts: int


class JobProblem(NamedTuple):
    """A failing or retrying job, as `lectern status` lists it."""

    state: str
    activity_id: str
    inbox: str
    attempts: int
    last_status: int | None
    last_error: str | None


PURGE_BATCH = 10_000  # finished jobs deleted per transaction (`DeliveryQueue.purge_finished`)


@dataclass(frozen=True)
class HostHealth:
    failures: int  # consecutive failures since the breaker last opened
    open_until: float  # the breaker is open (jobs are deferred) until then
    times_opened: int
    unavailable: bool  # failed on FAILURE_DAYS separate days: skipped until it answers


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    retrying: int
    done: int
    failed: int
    gone: int
    skipped: int


def job_host(inbox: str) -> str:
    """The host a job is counted under (host health, the breaker, requests per host): the inbox's host and port, in
    lower case."""
    return urlsplit(inbox).netloc.lower()


class Database(Protocol):
    def atomic(self) -> AbstractContextManager[object]:
        """One transaction for every store call made inside it (nested calls join it); nothing is kept if it
        raises."""
        ...

    async def write(self, work: Callable[[], T]) -> T:
        """Run `work` (one transaction) without making the event loop wait for a lock another process holds."""
        ...

    def close(self) -> None: ...


class ProcessedActivities(Protocol):
    def was_processed(self, activity_id: str) -> bool: ...

    def mark_processed(self, activity_id: str, kind: str, actor: str) -> bool:
        """Claim an activity; False when it already was claimed (the caller must then do nothing)."""
        ...

    def forget_processed(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        """Forget up to `limit` activity ids claimed before `before`; returns how many. Kept long enough, an id is
        never seen again: senders retry for days, not weeks, and a replayed request fails its signature's date."""
        ...


class FollowerStore(ProcessedActivities, Protocol):
    def add_follower(self, follower: Follower, activity_id: str) -> bool:
        """Store a follower (or its new inboxes), claiming the Follow; False, with nothing changed, when the Follow
        was already processed."""
        ...

    def remove_follower(self, actor: str, follower: str, activity_id: str | None, kind: str = "Undo") -> int | None:
        """Remove one follow, claiming `activity_id`; the number removed, or None when it was already processed."""
        ...

    def remove_remote_actor(self, follower: str, activity_id: str | None) -> int | None:
        """Forget a remote actor everywhere (its follows and its cached keys), claiming the Delete `activity_id`;
        the number of follows removed, or None when the Delete was already processed."""
        ...

    def remove_followers_at(self, inbox: str) -> int:
        """Remove every follow delivered through `inbox` (it answered 410 Gone)."""
        ...

    def remove_followers_of(self, actor: str) -> int:
        """Remove every follow of our actor `actor` (it is gone)."""
        ...

    def follow_of(self, actor: str, follower: str) -> Follower | None: ...
    def follow_by_id(self, follow_id: str) -> Follower | None: ...

    def followers_of(self, actor: str, limit: int = 1000, offset: int = 0) -> list[Follower]:
        """A page of `actor`'s followers, oldest first (ties by follower id)."""
        ...

    def all_followers(self) -> list[Follower]:
        """Every follow, by actor, then oldest first."""
        ...

    def follower_count(self, actor: str) -> int: ...

    def inboxes_of(self, actors: Iterable[str]) -> list[str]:
        """One inbox per server among the followers of `actors`: the shared inbox where a follower has one, its own
        inbox otherwise; sorted, each once."""
        ...

    def is_known_actor(self, actor_id: str) -> bool:
        """Someone we have dealings with: a follower, or the owner of a key we have cached."""
        ...


class DeliveryQueue(Protocol):
    def atomic(self) -> AbstractContextManager[object]: ...

    def enqueue(self, activity: OutgoingActivity, inboxes: Sequence[str], now: float) -> int:
        """Store the activity (once) and a job per inbox due at `now` (once per activity and inbox: queuing it again
        adds nothing); a job for an unavailable host is stored as skipped. Returns the number of jobs added."""
        ...

    def reclaim_abandoned(self) -> int:
        """Take back the leases of workers that are gone, so their jobs are sent at once; returns how many."""
        ...

    def claim_due(self, now: float, limit: int) -> list[Job]:
        """Lease up to `limit` pending jobs due at `now` (oldest due first) to this worker for LEASE_SECONDS."""
        ...

    def activity(self, activity_id: str) -> tuple[str, bytes]:
        """(signer, body) of a queued activity."""
        ...

    def next_due(self) -> float | None:
        """When the earliest pending job falls due (None when nothing is pending)."""
        ...

    def finish(
        self, job: Job, state: str, status: int, detail: str, next_try: float | None = None, attempts: int | None = None
    ) -> None:
        """Record an outcome and release the lease: `state` PENDING (with `next_try`: a retry), DONE, FAILED, GONE or
        SKIPPED; `status` the HTTP status (0: no answer), `detail` what went wrong."""
        ...

    def mark_delivered(self, delivered: Sequence[tuple[int, int, int]], stamp: str) -> None:
        """Mark many jobs done at once: (attempts, status, job id) each."""
        ...

    def defer(self, job: Job, until: float) -> None:
        """Put a job back without counting an attempt (its host's circuit is open)."""
        ...

    def counts(self, now: float) -> QueueCounts: ...

    def problems(self, limit: int = 20) -> list[JobProblem]:
        """Failing and retrying jobs, most recently changed first."""
        ...

    def purge_finished(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        """Delete up to `limit` finished jobs (done, failed, gone, skipped) last changed before `before`, and the
        activities no job refers to any more; returns how many jobs. Queuing the same activity for the same inbox
        after that adds a job again: a caller that must never repeat a delivery keeps its own record of what was
        sent (Lectern's told-record does)."""
        ...


class HostHealthStore(Protocol):
    def failing_hosts(self) -> dict[str, HostHealth]:
        """Every host with a failure on record (healthy hosts have none)."""
        ...

    def host_is_unavailable(self, host: str) -> bool: ...

    def host_succeeded(self, host: str) -> None:
        """A delivery to `host` succeeded: forget its failures."""
        ...

    def host_failed(self, host: str, when: datetime) -> int:
        """Record a failure; returns the number of separate days (UTC) `host` has failed on, and marks it unavailable
        from FAILURE_DAYS on."""
        ...

    def consecutive_failures(self, host: str) -> tuple[int, float, int]:
        """(consecutive failures, breaker open until, times opened)."""
        ...

    def open_breaker(self, host: str, until: float) -> None:
        """Defer `host`'s jobs until `until`, count the opening and start counting failures anew."""
        ...

    def host_answered(self, host: str) -> None:
        """A verified request came from `host`: it is alive again (clears unavailable, failures and breaker)."""
        ...


class DeliveryStorage(DeliveryQueue, HostHealthStore, Protocol):
    """What the delivery worker needs: the queue and the health of the hosts it sends to."""


@dataclass(frozen=True)
class ShimStorage:
    """Every store of one backend, on one database."""

    database: Database
    followers: FollowerStore
    keys: KeyStore
    deliveries: DeliveryStorage

    def close(self) -> None:
        self.database.close()
