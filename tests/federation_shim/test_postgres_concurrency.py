"""What several processes on one PostgreSQL database must get right (the contract suite checks each store alone):
migrating at once on start, claiming jobs at once, taking back the leases of a worker killed with SIGKILL, two
web workers receiving the same Follow at once, and a write that meets a row another transaction holds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from functools import partial
from pathlib import Path

import psycopg
import pytest

from lectern.federation_shim.postgres_backend import SHIM_MIGRATIONS, postgres_storage
from lectern.federation_shim.storage import LEASE_SECONDS, Follower, OutgoingActivity
from lectern.federation_shim.storage_faults import DATABASE_BUSY, StorageUnavailable
from tests.conftest import PROJECT

NOW = 1_800_000_000.0
CREATE = OutgoingActivity("https://oer.example/ap/activities/1", "Create", "fractions", b'{"type":"Create"}')


def inboxes(count: int) -> list[str]:
    return [f"https://s{n % 50}.example/users/u{n}/inbox" for n in range(count)]


def python(script: str, *args: str) -> subprocess.Popen[str]:
    """A separate Python process running `script` (the worktree's code), its output piped."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_files(paths: list[Path], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(path.exists() for path in paths):
        assert time.monotonic() < deadline, f"not all of {paths} appeared"
        time.sleep(0.01)


START_TOGETHER = """
import sys, time
from pathlib import Path
ready, go = Path(sys.argv[2] + ".ready"), Path(sys.argv[2] + ".go")
ready.touch()
while not go.exists():
    time.sleep(0.001)
"""


def test_processes_starting_at_once_migrate_once(postgres_url: str, tmp_path: Path) -> None:
    script = (
        START_TOGETHER
        + """
from lectern.federation_shim.postgres_backend import postgres_storage
postgres_storage(sys.argv[1]).close()
"""
    )
    marks = [tmp_path / f"p{n}" for n in range(4)]
    processes = [python(script, postgres_url, str(mark)) for mark in marks]
    wait_for_files([mark.with_suffix(".ready") for mark in marks])
    for mark in marks:
        mark.with_suffix(".go").touch()
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    with psycopg.connect(postgres_url) as connection:
        rows = connection.execute("SELECT component, version FROM schema_migrations ORDER BY 2").fetchall()
    assert rows == [("federation_shim", n) for n in range(1, len(SHIM_MIGRATIONS) + 1)]
    postgres_storage(postgres_url).close()  # a later start finds nothing to do


def test_two_worker_processes_never_claim_the_same_job(postgres_url: str, tmp_path: Path) -> None:
    storage = postgres_storage(postgres_url)
    try:
        assert storage.deliveries.enqueue(CREATE, inboxes(2000), NOW) == 2000
    finally:
        storage.close()
    script = (
        START_TOGETHER
        + """
from lectern.federation_shim.postgres_backend import postgres_storage
storage = postgres_storage(sys.argv[1])
claimed = [job.id for job in storage.deliveries.claim_due(float(sys.argv[3]), 5)]
# each worker holds its first lease before either goes on, so both take part however the machine schedules them;
# then they claim concurrently until the queue is empty
Path(sys.argv[2] + ".first").touch()
while not Path(sys.argv[4] + ".first").exists():
    time.sleep(0.001)
while jobs := storage.deliveries.claim_due(float(sys.argv[3]), 5):
    claimed += [job.id for job in jobs]
print(" ".join(map(str, claimed)))
storage.close()
"""
    )
    marks = [tmp_path / f"w{n}" for n in range(2)]
    workers = [python(script, postgres_url, str(mark), str(NOW), str(marks[1 - n])) for n, mark in enumerate(marks)]
    wait_for_files([mark.with_suffix(".ready") for mark in marks])
    for mark in marks:
        mark.with_suffix(".go").touch()
    claimed = []
    for worker in workers:
        output, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
        claimed.append([int(job_id) for job_id in output.split()])
    every = claimed[0] + claimed[1]
    assert len(every) == 2000 and len(set(every)) == 2000
    assert all(len(mine) > 0 for mine in claimed)  # both took part (each held a lease before the other went on)


def test_the_leases_of_a_killed_worker_are_taken_back_at_once(postgres_url: str) -> None:
    first = postgres_storage(postgres_url)
    try:
        first.deliveries.enqueue(CREATE, inboxes(30), NOW)
        alive = first.deliveries.claim_due(NOW, 10)  # a worker that goes on working
        killed = python(
            """
            import os, signal, sys
            from lectern.federation_shim.postgres_backend import postgres_storage
            jobs = postgres_storage(sys.argv[1]).deliveries.claim_due(float(sys.argv[2]), 15)
            print(" ".join(str(job.id) for job in jobs), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            """,
            postgres_url,
            str(NOW),
        )
        output, errors = killed.communicate(timeout=60)
        assert killed.returncode == -9, errors
        orphans = sorted(int(job_id) for job_id in output.split())
        assert len(orphans) == 15
        second = postgres_storage(postgres_url)
        try:
            # long before the leases expire, the killed worker's jobs are taken back; the live worker's are not
            later = NOW + LEASE_SECONDS / 2
            deadline = time.monotonic() + 10  # the server notices the closed connection within moments
            taken_back = second.deliveries.reclaim_abandoned()
            while taken_back < 15 and time.monotonic() < deadline:
                time.sleep(0.05)
                taken_back += second.deliveries.reclaim_abandoned()
            assert taken_back == 15
            claimed = {job.id for job in second.deliveries.claim_due(later, 100)}
            assert set(orphans) <= claimed and claimed.isdisjoint(job.id for job in alive)
            assert len(claimed) == 30 - len(alive)  # the orphans and the 5 never claimed
            assert second.deliveries.reclaim_abandoned() == 0  # both workers are alive
        finally:
            second.close()
    finally:
        first.close()


@pytest.mark.parametrize("workers", [2, 8])
def test_the_same_follow_received_by_several_workers_at_once_is_stored_once(postgres_url: str, workers: int) -> None:
    stores = [postgres_storage(postgres_url) for _ in range(workers)]
    try:
        follower = "https://ada.example/users/ada"
        follow = Follower("fractions", follower, f"{follower}/inbox", None, f"{follower}#f", "2026-11-01T00:00:00Z")
        results: list[bool] = []
        start = threading.Barrier(workers)

        def receive(index: int) -> None:
            start.wait()
            results.append(stores[index].followers.add_follower(follow, follow.follow_id))

        threads = [threading.Thread(target=receive, args=(index,)) for index in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False] * (workers - 1) + [True]
        assert stores[0].followers.all_followers() == [follow]
    finally:
        for storage in stores:
            storage.close()


def test_a_row_held_by_another_transaction_is_busy_and_write_waits_for_it(postgres_url: str) -> None:
    holder, waiter = postgres_storage(postgres_url), postgres_storage(postgres_url, lock_timeout=0.05)
    follower = "https://ada.example/users/ada"
    follow = Follower("fractions", follower, f"{follower}/inbox", None, f"{follower}#f", "2026-11-01T00:00:00Z")
    held, released = threading.Event(), threading.Event()

    def hold() -> None:  # another worker, midway through processing the same Follow
        with holder.database.atomic():
            holder.followers.mark_processed(follow.follow_id, "Follow", follower)
            held.set()
            released.wait(30)

    thread = threading.Thread(target=hold)
    try:
        thread.start()
        assert held.wait(30)
        with pytest.raises(StorageUnavailable) as busy:
            waiter.followers.add_follower(follow, follow.follow_id)
        assert busy.value.reason == DATABASE_BUSY
        assert waiter.followers.all_followers() == []  # the refused write kept nothing

        async def write_while_held() -> bool:
            asyncio.get_running_loop().call_later(0.3, released.set)  # the loop runs on while write() waits
            return await waiter.database.write(partial(waiter.followers.add_follower, follow, follow.follow_id))

        assert asyncio.run(write_while_held()) is False  # then it went through: the other worker had claimed it
    finally:
        released.set()
        thread.join()
        holder.close()
        waiter.close()
