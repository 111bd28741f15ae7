"""The delivery worker against real inbox servers on loopback, with a clock the test moves forward."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.delivery_plan import Plan, PlannedActivity
from lectern.federation_shim.delivery_store import DeliveryStore
from lectern.federation_shim.delivery_worker import DeliveryWorker
from lectern.federation_shim.inbox_client import InboxClient
from lectern.federation_shim.retry_policy import FAILURE_DAYS
from lectern.federation_shim.sqlite_storage import sqlite_storage
from lectern.federation_shim.storage import Follower
from lectern.federation_shim.told_record import plan_recorder
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


Scenario = Callable[[DeliveryStore, DeliveryWorker, InboxFarm, Clock], Awaitable[None]]


def run(
    tmp_path: Path,
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
        storage = sqlite_storage(tmp_path / "shim.sqlite3")
        store = storage.deliveries
        assert isinstance(store, DeliveryStore)
        for index in range(servers):
            for n in range(followers_per_server):
                inbox = farm.inbox(index, f"/users/u{n}/inbox")
                follower = f"http://127.0.0.1:{farm.ports[index]}/users/u{n}"
                storage.followers.add_follower(
                    Follower("fractions", follower, inbox, None, f"{follower}#f", "2026"), f"{follower}#f"
                )
        plan = Plan([PlannedActivity(ACTIVITY, "fractions", "collection", "fractions")], [])
        plan_recorder(storage).record_plan(plan, "library", 0)
        clock = Clock()
        client = InboxClient(allow_private_addresses=True, timeout=timeout)
        worker = DeliveryWorker(
            store,
            key,
            lambda name: f"{SITE}/ap/actors/{name}.json#main-key",
            client,
            storage.followers,
            clock=clock,
            jitter=random.Random(7),
        )
        try:
            await scenario(store, worker, farm, clock)
        finally:
            await client.close()
            worker.close()
            await farm.stop()
            storage.close()

    asyncio.run(main())


def jobs(store: DeliveryStore) -> list[tuple[Any, ...]]:
    return store.db.execute("SELECT state, attempts, next_try, last_status FROM delivery_jobs ORDER BY id").fetchall()


def test_every_follower_gets_the_activity_with_a_signature_that_verifies(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        stats = await worker.run()
        assert stats.delivered == 30 and farm.invalid == 0
        assert sorted({port for port, _path, _id in farm.received}) == sorted(farm.ports)
        assert {state for state, *_ in jobs(store)} == {"done"}

    run(tmp_path, always_accept, 10, scenario, followers_per_server=3, verify=True)


def test_a_500_is_retried_about_fifteen_seconds_later(tmp_path: Path) -> None:
    calls: list[int] = []

    def flaky(server: int, path: str) -> Answer:
        calls.append(server)
        return (500, {}, 0.0) if len(calls) == 1 else (202, {}, 0.0)

    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        ((state, attempts, next_try, status),) = jobs(store)
        assert (state, attempts, status) == ("pending", 1, 500)
        assert 15 <= next_try - clock.now <= 24
        await worker.run()
        assert farm.received == []  # not due yet
        clock.now += 30
        await worker.run()
        assert jobs(store)[0][:2] == ("done", 2) and len(farm.received) == 1

    run(tmp_path, flaky, 1, scenario)


def test_a_429_with_retry_after_waits_as_long_as_the_server_asks(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        ((state, attempts, next_try, status),) = jobs(store)
        assert (state, status) == ("pending", 429) and next_try - clock.now >= 3600

    run(tmp_path, lambda port, path: (429, {"Retry-After": "3600"}, 0.0), 1, scenario)


def test_a_410_from_an_inbox_removes_that_follower(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        by_inbox = dict(store.db.execute("SELECT inbox, state FROM delivery_jobs").fetchall())
        assert by_inbox == {farm.inbox(0, "/users/u0/inbox"): "gone", farm.inbox(1, "/users/u0/inbox"): "done"}
        assert [f.inbox for f in store.state.all_followers()] == [farm.inbox(1, "/users/u0/inbox")]

    run(tmp_path, lambda server, path: (410, {}, 0.0) if server == 0 else (202, {}, 0.0), 2, scenario)


def test_a_404_fails_for_good_and_a_timeout_is_retried(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        await worker.run()
        states = sorted((job[0], job[1], job[3]) for job in jobs(store))
        assert states == [("failed", 1, 404), ("pending", 1, 0)]

    run(tmp_path, lambda server, path: (404, {}, 0.0) if server == 0 else (202, {}, 3.0), 2, scenario, timeout=0.5)


def test_a_failing_host_opens_its_circuit_and_does_not_hold_up_the_others(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        worker.per_host = 1
        await worker.run()
        dead = farm.ports[0]
        by_host = store.db.execute("SELECT host, state, attempts FROM delivery_jobs").fetchall()
        assert all(state == "done" for host, state, _ in by_host if not host.endswith(f":{dead}"))
        dead_jobs = [(state, attempts) for host, state, attempts in by_host if host.endswith(f":{dead}")]
        assert len(dead_jobs) == 8
        assert sum(attempts for _, attempts in dead_jobs) < 8  # some were deferred by the breaker, not tried
        _failures, open_until, opened = store.consecutive_failures(f"127.0.0.1:{dead}")
        assert opened == 1 and open_until > clock.now

    run(
        tmp_path,
        lambda server, path: (503, {}, 0.0) if server == 0 else (202, {}, 0.0),
        3,
        scenario,
        followers_per_server=8,
    )


def test_a_host_failing_on_seven_separate_days_is_skipped_until_it_speaks_again(tmp_path: Path) -> None:
    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        for _day in range(FAILURE_DAYS):
            clock.now += 86400
            store.db.execute("UPDATE delivery_jobs SET next_try = ?, state = 'pending'", (clock.now,))
            await worker.run()
        host = f"127.0.0.1:{farm.ports[0]}"
        assert store.host_is_unavailable(host)
        clock.now += 86400 * 3
        await worker.run()
        assert jobs(store)[0][0] == "skipped"
        store.host_answered(host)
        assert not store.host_is_unavailable(host)

    run(tmp_path, lambda port, path: (503, {}, 0.0), 1, scenario)


def test_a_host_that_refuses_an_activity_with_a_4xx_is_not_counted_as_failing(tmp_path: Path) -> None:
    """A 400 (Lemmy refuses the Announce of a bare Note meant for microblogs) fails that delivery for good, but the
    server answered: Mastodon's DeliveryWorker tracks an unsalvageable 4xx as a success of the host, so a server
    refusing one kind of activity every day is never marked unavailable for the others."""

    async def scenario(store: DeliveryStore, worker: DeliveryWorker, farm: InboxFarm, clock: Clock) -> None:
        for _day in range(FAILURE_DAYS + 1):
            clock.now += 86400
            store.db.execute("UPDATE delivery_jobs SET next_try = ?, state = 'pending'", (clock.now,))
            await worker.run()
        host = f"127.0.0.1:{farm.ports[0]}"
        assert jobs(store)[0][0] == "failed" and jobs(store)[0][3] == 400
        assert not store.host_is_unavailable(host)
        assert store.consecutive_failures(host) == (0, 0.0, 0)

    run(tmp_path, lambda port, path: (400, {}, 0.0), 1, scenario)
