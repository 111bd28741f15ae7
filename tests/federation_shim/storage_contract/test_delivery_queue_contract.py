"""The delivery queue, the same for every storage backend: enqueue, claim with a lease, retry, fail, count."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from lectern.federation_shim import now_timestamp
from lectern.federation_shim.storage import LEASE_SECONDS, Job, JobProblem, OutgoingActivity, QueueCounts, ShimStorage
from tests.federation_shim.storage_contract.conftest import Backend

NOW = 1_800_000_000.0
CREATE = OutgoingActivity("https://oer.example/ap/activities/1", "Create", "fractions", b'{"type":"Create"}')
ANNOUNCE = OutgoingActivity("https://oer.example/ap/activities/2", "Announce", "library", b'{"type":"Announce"}')


def inboxes(count: int, host: str = "a.example") -> list[str]:
    return [f"https://{host}/users/u{n}/inbox" for n in range(count)]


def test_a_job_per_inbox_is_queued_once(storage: ShimStorage) -> None:
    queue = storage.deliveries
    assert queue.enqueue(CREATE, inboxes(3), NOW) == 3
    assert queue.enqueue(CREATE, inboxes(4), NOW) == 1  # the first three were queued already
    assert queue.enqueue(ANNOUNCE, inboxes(2), NOW) == 2
    assert queue.activity(CREATE.id) == ("fractions", CREATE.body)
    assert queue.activity(ANNOUNCE.id) == ("library", ANNOUNCE.body)
    assert queue.counts(NOW) == QueueCounts(pending=6, retrying=0, done=0, failed=0, gone=0, skipped=0)
    assert queue.next_due() == NOW


def test_due_jobs_are_claimed_oldest_first_and_leased(storage: ShimStorage) -> None:
    queue = storage.deliveries
    queue.enqueue(ANNOUNCE, inboxes(2, "b.example"), NOW + 10)
    queue.enqueue(CREATE, inboxes(3), NOW)
    assert queue.claim_due(NOW - 1, 10) == []  # nothing due yet
    first = queue.claim_due(NOW, 2)  # which jobs are claimed is by due time; the list's order is not promised
    assert sorted((job.activity_id, job.inbox, job.host, job.attempts) for job in first) == [
        (CREATE.id, inbox, "a.example", 0) for inbox in inboxes(2)
    ]
    rest = queue.claim_due(NOW + 10, 10)
    assert sorted(job.inbox for job in rest) == inboxes(3)[2:] + inboxes(2, "b.example")
    assert queue.claim_due(NOW + 20, 10) == []  # every job is leased


def test_a_lease_expires_and_another_worker_claims_the_job(backend: Backend) -> None:
    first, second = backend(), backend()
    first.deliveries.enqueue(CREATE, inboxes(1), NOW)
    (job,) = first.deliveries.claim_due(NOW, 10)
    assert second.deliveries.claim_due(NOW + LEASE_SECONDS - 1, 10) == []
    assert second.deliveries.claim_due(NOW + LEASE_SECONDS + 1, 10) == [job]


def test_a_retry_is_due_at_its_next_try_with_its_attempts_counted(storage: ShimStorage) -> None:
    queue = storage.deliveries
    queue.enqueue(CREATE, inboxes(1), NOW)
    (job,) = queue.claim_due(NOW, 10)
    queue.finish(job, "pending", 503, "HTTP 503", next_try=NOW + 15, attempts=1)
    assert queue.next_due() == NOW + 15
    assert queue.claim_due(NOW + 14, 10) == []  # released, but not due yet
    assert queue.counts(NOW).retrying == 1
    assert queue.problems() == [JobProblem("pending", CREATE.id, job.inbox, 1, 503, "HTTP 503")]
    (again,) = queue.claim_due(NOW + 15, 10)
    assert again == Job(job.id, CREATE.id, job.inbox, job.host, 1)


def test_finished_jobs_are_never_claimed_again(storage: ShimStorage) -> None:
    queue = storage.deliveries
    queue.enqueue(CREATE, inboxes(4), NOW)
    delivered, failed, gone, put_back = queue.claim_due(NOW, 10)
    queue.finish(failed, "failed", 404, "HTTP 404", attempts=1)
    queue.finish(gone, "gone", 410, "410 Gone: 1 follower(s) removed", attempts=1)
    queue.mark_delivered([(1, 202, delivered.id)], "2026-11-30T12:00:00Z")
    queue.defer(put_back, NOW + 60)  # its host's circuit is open: no attempt counted
    assert queue.claim_due(NOW + 59, 10) == []
    assert queue.claim_due(NOW + 60, 10) == [put_back]
    assert queue.counts(NOW) == QueueCounts(pending=1, retrying=0, done=1, failed=1, gone=1, skipped=0)
    problems = queue.problems()
    assert sorted((p.state, p.inbox, p.attempts, p.last_status) for p in problems) == [
        ("failed", failed.inbox, 1, 404),
        ("gone", gone.inbox, 1, 410),
    ]
    assert queue.problems(limit=1) == problems[:1]
    assert queue.next_due() == NOW + 60


def test_nothing_pending_means_nothing_due(storage: ShimStorage) -> None:
    queue = storage.deliveries
    assert queue.next_due() is None
    queue.enqueue(CREATE, inboxes(1), NOW)
    (job,) = queue.claim_due(NOW, 1)
    queue.mark_delivered([(1, 200, job.id)], "2026-11-30T12:00:00Z")
    assert queue.next_due() is None and queue.claim_due(NOW + 10**6, 10) == []


def test_outcomes_recorded_in_one_transaction_are_kept_or_dropped_together(storage: ShimStorage) -> None:
    queue = storage.deliveries
    queue.enqueue(CREATE, inboxes(2), NOW)
    first, second = queue.claim_due(NOW, 10)
    with pytest.raises(RuntimeError), queue.atomic():
        queue.mark_delivered([(1, 202, first.id)], "2026-11-30T12:00:00Z")
        queue.finish(second, "failed", 404, "HTTP 404", attempts=1)
        raise RuntimeError("the worker stopped")
    assert queue.counts(NOW).pending == 2


def test_two_workers_claiming_at_once_never_get_the_same_job(backend: Backend) -> None:
    backend().deliveries.enqueue(CREATE, inboxes(600), NOW)
    workers = [backend(), backend()]
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claim(worker: int) -> None:
        start.wait()
        while jobs := workers[worker].deliveries.claim_due(NOW, 7):
            claimed[worker] += [job.id for job in jobs]

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in (0, 1)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the threads take turns as often as Python allows, mid-claim too
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    every = claimed[0] + claimed[1]
    assert len(every) == 600 and len(set(every)) == 600


def test_finished_jobs_are_purged_when_old_with_the_activities_nothing_needs(storage: ShimStorage) -> None:
    queue = storage.deliveries
    queue.enqueue(CREATE, inboxes(3), NOW)
    queue.enqueue(ANNOUNCE, inboxes(1, "b.example"), NOW)
    jobs = {job.inbox: job for job in queue.claim_due(NOW, 10)}
    queue.mark_delivered([(1, 202, jobs[inbox].id) for inbox in inboxes(2)], now_timestamp())
    queue.finish(jobs[inboxes(1, "b.example")[0]], "failed", 400, "HTTP 400")  # the third Create job stays leased

    assert queue.purge_finished(datetime.now(UTC) - timedelta(days=1)) == 0  # nothing is that old
    later = datetime.now(UTC) + timedelta(seconds=2)  # every finished job is older than this
    assert queue.purge_finished(later, limit=2) == 2
    assert queue.purge_finished(later) == 1
    assert queue.purge_finished(later) == 0
    assert queue.counts(NOW) == QueueCounts(pending=1, retrying=0, done=0, failed=0, gone=0, skipped=0)
    assert queue.problems() == []
    assert queue.activity(CREATE.id) == ("fractions", CREATE.body)  # its pending job still needs it

    second = OutgoingActivity(ANNOUNCE.id, "Announce", "library", b'{"type":"Announce","v":2}')
    assert queue.enqueue(second, inboxes(1, "b.example"), NOW) == 1  # its job and its activity were deleted
    assert queue.activity(ANNOUNCE.id) == ("library", second.body)
