"""Kill -9 the delivery worker midway through a new resource for 2,000 followers of a collection on 200 servers (the
collection's two Announces each, 4,000 requests); after a restart every inbox has both, and only requests that were in
flight when the worker died arrive twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from lectern.federation_shim.state import Follower, ShimState
from tests.conftest import copy_project
from tests.federation_shim.farm_process import FarmProcess
from tests.federation_shim.test_deliver_to_fedify import NEW_RESOURCE

SITE_URL = "http://127.0.0.1:8000"
CONCURRENCY = 32


def lectern(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LECTERN_SITE_URL": SITE_URL, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "lectern.cli", *args],
        cwd=project,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def follow(project: Path, ports: list[int], per_server: int, actor: str = "fractions") -> None:
    """`per_server` followers of `actor` on each inbox server (personal inboxes, no shared inbox)."""
    state = ShimState(project / "instance" / "shim.sqlite3")
    try:
        for server, port in enumerate(ports):
            for n in range(per_server):
                follower = f"http://127.0.0.1:{port}/users/s{server}u{n}"
                state.add_follower(
                    Follower(actor, follower, f"{follower}/inbox", None, f"{follower}#follow", "2026-11-01T00:00:00Z"),
                    f"{follower}#follow",
                )
    finally:
        state.close()


def built_with_a_new_resource(project: Path) -> None:
    (project / "content" / "fractions" / "paper-strips.md").write_text(NEW_RESOURCE, encoding="utf-8")
    finish(lectern(project, "build"))


def test_kill_9_midway_loses_nothing_and_duplicates_only_what_was_in_flight(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    finish(lectern(project, "build"))
    finish(lectern(project, "deliver"))  # the first run records the existing resources
    farm = FarmProcess(tmp_path, servers=200, delay=0.02)
    try:
        follow(project, farm.ports, 10)
        built_with_a_new_resource(project)

        worker = lectern(project, "deliver", "--concurrency", str(CONCURRENCY))
        deadline = time.monotonic() + 120
        while len(farm.receipts()["received"]) < 1000:
            assert worker.poll() is None, "the worker finished before it could be killed: slow the farm down"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        before_restart = len(farm.receipts()["received"])
        assert before_restart < 4000

        restarted = finish(lectern(project, "deliver", "--concurrency", str(CONCURRENCY)))
        received = Counter((path, activity) for _port, path, activity in farm.receipts()["received"])
        assert len(received) == 4000, restarted
        duplicates = sum(count - 1 for count in received.values())
        print(f"killed after {before_restart} of 4000 received; {duplicates} duplicates after the restart")
        assert duplicates <= CONCURRENCY, f"{duplicates} duplicates with at most {CONCURRENCY} in flight"
        assert "0 failed" in restarted
    finally:
        farm.stop()


def test_two_workers_at_once_share_the_queue_and_send_nothing_twice(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    finish(lectern(project, "build"))
    finish(lectern(project, "deliver"))
    farm = FarmProcess(tmp_path, servers=200, delay=0.1)  # ~3 s of sending: both workers are up long before
    try:
        follow(project, farm.ports, 5)
        built_with_a_new_resource(project)

        # both plan at once (one transaction each: only one queues the change), then both send from the one queue
        workers = [lectern(project, "deliver", "--concurrency", str(CONCURRENCY)) for _ in range(2)]
        outputs = [finish(worker) for worker in workers]
        received = Counter((path, activity) for _port, path, activity in farm.receipts()["received"])
        assert len(received) == 2000, outputs
        assert max(received.values()) == 1, f"{sum(c - 1 for c in received.values())} sent twice"
        queued = [line for output in outputs for line in output.splitlines() if line.startswith("Queued")]
        assert sorted(queued) == [
            "Queued 0 activities as 0 deliveries.",
            "Queued 3 activities as 2000 deliveries.",
        ]  # the site actor's Create (nobody follows it here) and the collection's two Announces
        delivered = [int(line.split()[2]) for output in outputs for line in output.splitlines() if "delivered" in line]
        assert sum(delivered) == 2000 and min(delivered) > 0, outputs  # both did part of the work
    finally:
        farm.stop()
