"""The delivery worker: sends due jobs from the queue, many hosts in parallel, a few requests per host at a time.

Memory stays bounded whatever the number of followers: jobs are claimed from the queue (`storage.DeliveryStorage`)
in batches no larger than the free concurrency, and only their ids, inboxes and the (shared) activity bodies are held.
Every request is signed when it is sent (draft-cavage with Digest; Date current), in a thread pool, since RSA signing
releases the GIL and is the main cost. Each outcome is written as soon as it is known; see `retry_policy` for what
happens after a failure.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from lectern.federation_shim.cavage import sign_post
from lectern.federation_shim.digests import digest_header
from lectern.federation_shim.host_slots import HostSlots
from lectern.federation_shim.inbox_client import InboxClient
from lectern.federation_shim.outgoing import PostResult
from lectern.federation_shim.retry_policy import (
    BREAKER_THRESHOLD,
    MAX_RETRIES,
    Outcome,
    breaker_cool_off,
    classify,
    next_delay,
)
from lectern.federation_shim.signing_pool import SigningPool
from lectern.federation_shim.storage import PURGE_BATCH, DeliveryStorage, FollowerStore, HostHealth, Job
from lectern.federation_shim.timestamps import now_timestamp

logger = logging.getLogger(__name__)

Recorder = Callable[[], None]

# Outcomes are recorded in one transaction per batch: at least this many, or whatever finished in this long. A
# finished job holds its place in the concurrency limit until it is recorded, so a crash can still only repeat
# requests that were in flight or finished in the last few milliseconds, never more than `concurrency`.
RECORD_BATCH = 32
RECORD_DELAY = 0.005

# Finished jobs (and activities no job needs) and processed activity ids are deleted once they are this old, checked
# when the worker starts and then every PURGE_EVERY seconds: `lectern status` shows what happened recently, and the
# database does not grow for years.
KEEP_FINISHED = timedelta(days=30)
PURGE_EVERY = 3600.0


@dataclass
class WorkerStats:
    sent: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    deferred: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass
class DeliveryWorker:
    store: DeliveryStorage
    private_key: RSAPrivateKey
    key_id_of: Callable[[str], str]
    client: InboxClient
    followers: FollowerStore  # a 410 from an inbox removes the follows delivered through it
    sign_in_threads: bool = True
    concurrency: int = 256
    per_host: int = 4
    clock: Callable[[], float] = time.time
    keep_finished: timedelta | None = KEEP_FINISHED  # None: keep every finished job
    purge_every: float = PURGE_EVERY  # seconds between two purges of finished jobs
    jitter: random.Random = field(default_factory=random.Random)
    stats: WorkerStats = field(default_factory=WorkerStats)

    def __post_init__(self) -> None:
        self._failing: dict[str, HostHealth] = {}
        self._was_failing: set[str] = set()
        self._hosts: HostSlots  # made by run(), from per_host as it is then
        self._delivered: list[tuple[int, int, int]] = []  # (attempts, status, job id), marked done per batch
        self._bodies: dict[str, tuple[str, bytes, str]] = {}
        self._signing = SigningPool() if self.sign_in_threads else None
        self.wake = asyncio.Event()
        self._next_purge = 0.0  # time.monotonic() of the next purge of finished jobs

    def close(self) -> None:
        if self._signing is not None:
            self._signing.close()

    async def run(self, until_idle: bool = True, stop: asyncio.Event | None = None) -> WorkerStats:
        """Send due jobs. With `until_idle`, return when nothing is due now; otherwise keep waiting for new jobs
        (and retries falling due) until `stop` is set."""
        self._hosts = HostSlots(self.per_host)
        reclaimed = self.store.reclaim_abandoned()
        if reclaimed:
            logger.info("took back %d deliveries from a worker that stopped", reclaimed)
        running: set[asyncio.Task[Recorder]] = set()
        finished: list[asyncio.Task[Recorder]] = []
        progress = asyncio.Event()

        def on_done(task: asyncio.Task[Recorder]) -> None:
            running.discard(task)
            finished.append(task)
            progress.set()

        while True:
            if self.keep_finished is not None and time.monotonic() >= self._next_purge:
                await self._purge_finished(self.keep_finished)
            room = self.concurrency - len(running)
            if room > 0 and (not running or room >= self.concurrency // 4):
                self._failing = self.store.failing_hosts()
                self._was_failing.update(self._failing)
                for job in self.store.claim_due(self.clock(), room):
                    task = asyncio.create_task(self._deliver(job))
                    running.add(task)
                    task.add_done_callback(on_done)
            if not running and not finished:
                if until_idle or (stop is not None and stop.is_set()):
                    return self.stats
                await self._sleep_until_due(stop)
                continue
            if not finished:
                progress.clear()
                await progress.wait()
            if len(finished) < RECORD_BATCH and running:
                # a commit per outcome would cost more than the send: wait a moment for others to finish too
                await asyncio.sleep(RECORD_DELAY)
            # every outcome known by now in one transaction, as soon as it is known
            done, finished[:] = list(finished), []
            with self.store.atomic():
                for task in done:
                    task.result()()
                self.store.mark_delivered(self._delivered, now_timestamp())
            self._delivered.clear()

    async def _purge_finished(self, keep: timedelta) -> None:
        """Delete finished jobs and forget processed activity ids older than `keep`, a batch per transaction,
        letting deliveries run in between. The cut-off is the wall clock, as the stores stamp rows with it (`clock`
        may be a test's)."""
        self._next_purge = time.monotonic() + self.purge_every
        before = datetime.now(UTC) - keep
        for purge, what in (
            (self.store.purge_finished, "finished deliveries"),
            (self.followers.forget_processed, "processed activity ids"),
        ):
            purged = 0
            while True:
                batch = purge(before, PURGE_BATCH)
                purged += batch
                if batch < PURGE_BATCH:
                    break
                await asyncio.sleep(0)
            if purged:
                logger.info("deleted %d %s older than %s", purged, what, keep)

    async def _sleep_until_due(self, stop: asyncio.Event | None) -> None:
        due = self.store.next_due()
        delay = 1.0 if due is None else min(1.0, max(0.0, due - self.clock()))
        self.wake.clear()
        waiters = [asyncio.create_task(self.wake.wait())] + ([asyncio.create_task(stop.wait())] if stop else [])
        await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    def _body(self, activity_id: str) -> tuple[str, bytes, str]:
        """(key id, body, Digest header) of an activity, read and hashed once for all its inboxes."""
        if activity_id not in self._bodies:
            if len(self._bodies) > 1000:
                self._bodies.clear()
            signer, body = self.store.activity(activity_id)
            self._bodies[activity_id] = (self.key_id_of(signer), body, digest_header(body))
        return self._bodies[activity_id]

    async def _deliver(self, job: Job) -> Recorder:
        """Send one job; returns what to record (the caller records a batch of them in one transaction)."""
        health = self._failing.get(job.host)
        if health is not None and health.unavailable:
            return partial(
                self.store.finish,
                job,
                "skipped",
                0,
                f"{job.host} has failed on 7 separate days; skipped until it answers or sends us a verified request",
            )
        async with self._hosts.slot(job.host):
            # checked once a request slot for the host is ours: jobs that queued behind failing ones see the breaker
            health = self._failing.get(job.host)
            if health is not None and health.open_until > self.clock():
                self.stats.deferred += 1
                return partial(self.store.defer, job, health.open_until)
            try:
                result = await self._post(job)
            except Exception as error:  # a bug must cost one attempt of one job, not the whole worker
                logger.exception("delivery of %s to %s failed unexpectedly", job.activity_id, job.inbox)
                result = PostResult(0, f"internal error: {type(error).__name__}: {error}")
        self._note_health(job.host, result)
        return partial(self._record, job, result)

    def _note_health(self, host: str, result: PostResult) -> None:
        """Keep the in-memory view of failing hosts current between two reloads (the breaker needs it at once)."""
        if 200 <= result.status < 300:
            self._failing.pop(host, None)
            return
        health = self._failing.get(host) or HostHealth(0, 0.0, 0, False)
        failures = health.failures + 1
        if failures >= BREAKER_THRESHOLD and health.open_until <= self.clock():
            opened = health.times_opened + 1
            self._failing[host] = HostHealth(0, self.clock() + breaker_cool_off(opened), opened, health.unavailable)
        else:
            self._failing[host] = HostHealth(failures, health.open_until, health.times_opened, health.unavailable)

    async def _post(self, job: Job) -> PostResult:
        key_id, body, digest = self._body(job.activity_id)

        def sign() -> dict[str, str]:
            return sign_post(job.inbox, body, key_id=key_id, private_key=self.private_key, digest=digest)

        try:
            if self._signing is not None:
                headers = await self._signing.run(sign)
            else:
                headers = sign()
        except ValueError as error:
            return PostResult(0, f"cannot sign a request to {job.inbox!r}: {error}")
        self.stats.sent += 1
        return await self.client.post(job.inbox, headers, body)

    def _record(self, job: Job, result: PostResult) -> None:
        outcome = classify(result.status)
        self.stats.statuses[result.status] = self.stats.statuses.get(result.status, 0) + 1
        now = self.clock()
        detail = result.detail or f"HTTP {result.status}"
        if outcome in (Outcome.DELIVERED, Outcome.PERMANENT) and job.host in self._was_failing:
            # a server that answers, even with a refusal, is up: Mastodon's DeliveryWorker tracks an unsalvageable
            # 4xx as a success of the host (`track_success!` after `response_error_unsalvageable?`)
            self.store.host_succeeded(job.host)
            self._was_failing.discard(job.host)
        if outcome is Outcome.DELIVERED:
            self._delivered.append((job.attempts + 1, result.status, job.id))
            self.stats.delivered += 1
            return
        if outcome is not Outcome.PERMANENT:
            self._was_failing.add(job.host)
        logger.info(
            "delivery of %s to %s: %s (%s)", job.activity_id, job.inbox, result.status or "no answer", detail[:120]
        )
        if outcome is Outcome.GONE:
            removed = self.followers.remove_followers_at(job.inbox)
            self.store.finish(
                job, "gone", result.status, f"410 Gone: {removed} follower(s) removed", attempts=job.attempts + 1
            )
            self.stats.gone += 1
            return
        if outcome is Outcome.PERMANENT:  # this activity is refused; the host is fine
            self.store.finish(job, "failed", result.status, detail, attempts=job.attempts + 1)
            self.stats.failed += 1
            return
        self.store.host_failed(job.host, datetime.fromtimestamp(now, UTC))
        failures, open_until, opened = self.store.consecutive_failures(job.host)
        if failures >= BREAKER_THRESHOLD and open_until <= now:
            self.store.open_breaker(job.host, now + breaker_cool_off(opened + 1))
        retry = job.attempts + 1
        if retry > MAX_RETRIES:
            self.store.finish(
                job, "failed", result.status, f"gave up after {MAX_RETRIES} retries: {detail}", attempts=retry
            )
            self.stats.failed += 1
            return
        delay = next_delay(retry, result.retry_after, datetime.fromtimestamp(now, UTC), self.jitter)
        self.store.finish(job, "pending", result.status, detail, next_try=now + delay, attempts=retry)
        self.stats.retried += 1
