"""The delivery worker against real inbox servers on loopback, with a clock the test moves forward; the queue is in
memory (the worker's logic is the same on every store: tests/federation_shim/storage_contract checks the stores)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.delivery_worker import DeliveryWorker
from lectern.federation_shim.inbox_client import InboxClient
from lectern.federation_shim.memory_backend import memory_storage
from lectern.federation_shim.retry_policy import FAILURE_DAYS
from lectern.federation_shim.storage import Follower, JobProblem, OutgoingActivity, ShimStorage
from tests.federation_shim.inbox_farm import Answer, InboxFarm, always_accept
from tests.federation_shim.remote_actors import actor_key

SITE = "http://127.0.0.1:9"
ACTIVITY = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": f"{SITE}/ap/activities/a/x/create.json",
    "type": "Create",
    "actor": f"{SITE}/ap/actors/fractions.json",
    "object": {"id": f"{SITE}/o", "type": "Note"},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


Scenario = Callable[[ShimStorage, DeliveryWorker, InboxFarm, Clock], Awaitable[None]]


def queue(storage: ShimStorage, activity: dict[str, Any], now: float) -> None:
    """`activity`, signed by the collection, to each of its followers' inboxes."""
    outgoing = OutgoingActivity(activity["id"], activity["type"], "fractions", json.dumps(activity).encode())
    storage.deliveries.enqueue(outgoing, storage.followers.inboxes_of(["fractions"]), now)


def run(
    behaviour: Callable[[int, str], Answer],
    servers: int,
    scenario: Scenario,
    followers_per_server: int = 1,
    timeout: float = 5.0,
    verify: bool = False,
) -> None:
    key: rsa.RSAPrivateKey = actor_key(1)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    async def main() -> None:
        farm = await InboxFarm(behaviour, public_key_pem=pem if verify else None).start(servers)
        storage = memory_storage()
        for index in range(servers):
            for n in range(followers_per_server):
                inbox = farm.inbox(index, f"/users/u{n}/inbox")
                follower = f"http://127.0.0.1:{farm.ports[index]}/users/u{n}"
                storage.followers.add_follower(
                    Follower("fractions", follower, inbox, None, f"{follower}#f", "2026"), f"{follower}#f"
                )
        queue(storage, ACTIVITY, 0)
        clock = Clock()
        client = InboxClient(allow_private_addresses=True, timeout=timeout)
        worker = DeliveryWorker(
            storage.deliveries,
            key,
            lambda name: f"{SITE}/ap/actors/{name}.json#main-key",
            client,
            storage.followers,
            clock=clock,
            jitter=random.Random(7),
        )
        try:
            await scenario(storage, worker, farm, clock)
        finally:
            await client.close()
            worker.close()
            await farm.stop()
            storage.close()

    asyncio.run(main())


def problems(storage: ShimStorage) -> list[JobProblem]:
    return storage.deliveries.problems()


def test_every_follower_gets_the_activity_with_a_signature_that_verifies() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        stats = await worker.run()
        assert stats.delivered == 30 and farm.invalid == 0
        assert sorted({port for port, _path, _id in farm.received}) == sorted(farm.ports)
        assert storage.deliveries.counts(clock.now).done == 30 and problems(storage) == []

    run(always_accept, 10, scenario, followers_per_server=3, verify=True)


def test_finished_deliveries_and_processed_ids_are_deleted_once_older_than_the_worker_keeps_them() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        worker.purge_every = 0.0  # at every run (an hour apart by default)
        await worker.run()
        assert storage.deliveries.counts(clock.now).done == 3
        await worker.run()  # kept: for 30 days by default
        assert storage.deliveries.counts(clock.now).done == 3
        storage.followers.mark_processed("http://127.0.0.1:9/likes/1", "Like", "http://127.0.0.1:9/users/u")
        worker.keep_finished = timedelta(seconds=-5)  # as if the month had passed
        await worker.run()
        assert storage.deliveries.counts(clock.now).done == 0
        assert not storage.followers.was_processed("http://127.0.0.1:9/likes/1")
        queue(storage, ACTIVITY, clock.now)  # the activity was deleted too, so it is queued and sent anew
        await worker.run()
        assert len(farm.received) == 6

    run(always_accept, 3, scenario)


def test_a_500_is_retried_about_fifteen_seconds_later() -> None:
    calls: list[int] = []

    def flaky(server: int, path: str) -> Answer:
        calls.append(server)
        return (500, {}, 0.0) if len(calls) == 1 else (202, {}, 0.0)

    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        ((state, _activity, _inbox, attempts, status, _error),) = problems(storage)
        assert (state, attempts, status) == ("pending", 1, 500)
        next_try = storage.deliveries.next_due()
        assert next_try is not None and 15 <= next_try - clock.now <= 24
        await worker.run()
        assert farm.received == []  # not due yet
        clock.now += 30
        await worker.run()
        assert storage.deliveries.counts(clock.now).done == 1 and len(farm.received) == 1
        assert problems(storage) == [] and storage.deliveries.next_due() is None

    run(flaky, 1, scenario)


def test_a_429_with_retry_after_waits_as_long_as_the_server_asks() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        ((state, _activity, _inbox, _attempts, status, _error),) = problems(storage)
        next_try = storage.deliveries.next_due()
        assert (state, status) == ("pending", 429) and next_try is not None and next_try - clock.now >= 3600

    run(lambda port, path: (429, {"Retry-After": "3600"}, 0.0), 1, scenario)


def test_a_410_from_an_inbox_removes_that_follower() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        assert [(p.state, p.inbox) for p in problems(storage)] == [("gone", farm.inbox(0, "/users/u0/inbox"))]
        assert storage.deliveries.counts(clock.now).done == 1
        assert [f.inbox for f in storage.followers.all_followers()] == [farm.inbox(1, "/users/u0/inbox")]

    run(lambda server, path: (410, {}, 0.0) if server == 0 else (202, {}, 0.0), 2, scenario)


def test_a_404_fails_for_good_and_a_timeout_is_retried() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        states = sorted((p.state, p.attempts, p.last_status) for p in problems(storage))
        assert states == [("failed", 1, 404), ("pending", 1, 0)]

    run(lambda server, path: (404, {}, 0.0) if server == 0 else (202, {}, 3.0), 2, scenario, timeout=0.5)


def test_a_failing_host_opens_its_circuit_and_does_not_hold_up_the_others() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        worker.per_host = 1
        await worker.run()
        dead = farm.ports[0]
        counts = storage.deliveries.counts(clock.now)
        assert counts.done == 16 and counts.pending + counts.retrying == 8  # the dead host's 8 wait, the rest went
        tried = problems(storage)  # the jobs of the dead host that were tried (the deferred ones were not)
        assert all(p.inbox.startswith(f"http://127.0.0.1:{dead}/") for p in tried)
        assert sum(p.attempts for p in tried) < 8  # some were deferred by the breaker, not tried
        _failures, open_until, opened = storage.deliveries.consecutive_failures(f"127.0.0.1:{dead}")
        assert opened == 1 and open_until > clock.now

    run(
        lambda server, path: (503, {}, 0.0) if server == 0 else (202, {}, 0.0),
        3,
        scenario,
        followers_per_server=8,
    )


def test_a_host_failing_on_seven_separate_days_is_skipped_until_it_speaks_again() -> None:
    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        for _day in range(FAILURE_DAYS):
            clock.now += 86400  # the retry is due long before
            await worker.run()
        host = f"127.0.0.1:{farm.ports[0]}"
        assert storage.deliveries.host_is_unavailable(host)
        clock.now += 86400 * 3
        await worker.run()
        assert [p.state for p in problems(storage)] == ["skipped"]
        storage.deliveries.host_answered(host)
        assert not storage.deliveries.host_is_unavailable(host)

    run(lambda port, path: (503, {}, 0.0), 1, scenario)


def test_a_host_that_refuses_an_activity_with_a_4xx_is_not_counted_as_failing() -> None:
    """A 400 (Lemmy refuses the Announce of a bare Note meant for microblogs) fails that delivery for good, but the
    server answered: Mastodon's DeliveryWorker tracks an unsalvageable 4xx as a success of the host, so a server
    refusing one kind of activity every day is never marked unavailable for the others."""

    async def scenario(storage: ShimStorage, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        for day in range(FAILURE_DAYS + 1):
            clock.now += 86400
            queue(storage, {**ACTIVITY, "id": f"{ACTIVITY['id']}#{day}"}, clock.now)  # refused again each day
            await worker.run()
        host = f"127.0.0.1:{farm.ports[0]}"
        assert {(p.state, p.last_status) for p in problems(storage)} == {("failed", 400)}
        assert storage.deliveries.counts(clock.now).failed == FAILURE_DAYS + 2
        assert not storage.deliveries.host_is_unavailable(host)
        assert storage.deliveries.consecutive_failures(host) == (0, 0.0, 0)

    run(lambda port, path: (400, {}, 0.0), 1, scenario)
