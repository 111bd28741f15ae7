"""Benchmark: one delivery worker process against two on one PostgreSQL queue (issue 15: two deliver at least 1.7 x
what one does), with loopback inboxes that verify every signature (a separate process).

    python bench/delivery_workers.py --database postgresql://... [--followers 4000] [--rounds 3]

Each round queues one Create to `--followers` personal inboxes on 100 servers (in a schema of its own, made and
dropped by the bench), then starts 1 or 2 worker processes at once (the toolkit's DeliveryWorker, as `lectern
deliver` runs it), each claiming jobs with FOR UPDATE SKIP LOCKED until nothing is due.

On this 2-core machine the receivers and PostgreSQL share the cores with the senders, so the wall clock cannot show
what a second core would give. What is measured is sender CPU: the figure compared is the deliveries per second the
workers would reach with a core each, all delivered / the CPU seconds of the busiest worker. It is 1 x one worker's
rate when the second worker only gets in the way, and 2 x when the work splits evenly at no extra cost. The wall
clock rate is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import PIPE, Popen
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

SERVERS = 100


def work(conninfo: str, key_file: str, concurrency: int) -> None:
    """One worker process: say ready, wait for a line on stdin, deliver until nothing is due, print its figures."""
    from cryptography.hazmat.primitives import serialization

    from bench.delivery import SITE
    from lectern.federation_shim import DeliveryWorker, InboxClient, postgres_storage, run_event_loop

    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    storage = postgres_storage(conninfo, max_connections=4)
    client = InboxClient(allow_private_addresses=True, timeout=30)
    worker = DeliveryWorker(
        storage.deliveries,
        key,  # type: ignore[arg-type]  # an RSA key: it is the one bench/delivery.py makes
        lambda name: f"{SITE}/ap/actors/{name}.json#main-key",
        client,
        storage.followers,
        concurrency=concurrency,
    )
    print("ready", flush=True)
    sys.stdin.readline()
    started, cpu_started = time.perf_counter(), time.process_time()

    async def run() -> Any:
        try:
            return await worker.run(until_idle=True)
        finally:
            await client.close()

    stats = run_event_loop(run())
    figures = {"delivered": stats.delivered, "cpu_s": time.process_time() - cpu_started}
    figures["seconds"] = time.perf_counter() - started
    worker.close()
    storage.close()
    print(json.dumps(figures), flush=True)


@contextmanager
def schema_of_its_own(url: str) -> Iterator[str]:
    """The conninfo of a new schema in the database at `url` (dropped afterwards)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield make_conninfo(url, options=f"-c search_path={schema}")
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def one_round(database: str, key_file: Path, ports: list[int], followers: int, workers: int, concurrency: int) -> Any:
    from bench.delivery import ACTIVITY, seed
    from lectern.delivery_plan import Plan, PlannedActivity
    from lectern.federation_shim import postgres_storage
    from lectern.told_record import plan_recorder

    with schema_of_its_own(database) as conninfo:
        storage = postgres_storage(conninfo, max_connections=2)
        try:
            seed(storage, ports, followers // len(ports), shared=False)
            plan = Plan([PlannedActivity(ACTIVITY, "fractions", "collection", "fractions")], [])
            jobs = plan_recorder(storage).record_plan(plan, "library", time.time())
        finally:
            storage.close()
        command = [sys.executable, __file__, "--work", conninfo, str(key_file), str(concurrency)]
        processes = [Popen(command, stdin=PIPE, stdout=PIPE, text=True) for _ in range(workers)]
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [json.loads(process.communicate(timeout=600)[0]) for process in processes]
        seconds = time.perf_counter() - started
    delivered = sum(output["delivered"] for output in outputs)
    assert delivered == jobs, (delivered, jobs)  # each job delivered, by one worker
    busiest = max(output["cpu_s"] for output in outputs)
    return {
        "workers": workers,
        "delivered": delivered,
        "per_worker": [output["delivered"] for output in outputs],
        "seconds": round(seconds, 3),
        "wall_rate": round(delivered / seconds),
        "sender_cpu_s": round(sum(output["cpu_s"] for output in outputs), 3),
        "busiest_worker_cpu_s": round(busiest, 3),
        "rate_with_a_core_each": round(delivered / busiest),
        "cpu_us_per_delivery": round(sum(output["cpu_s"] for output in outputs) / delivered * 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL database (postgresql://...)")
    parser.add_argument("--followers", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--work", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        return work(args.work[0], args.work[1], int(args.work[2]))
    if not args.database:
        raise SystemExit("--database postgresql://... is required")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.federation_shim.farm_process import FarmProcess

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory(prefix="lectern-bench-workers-") as tmp:
        folder = Path(tmp)
        (folder / "public.pem").write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        key_file = folder / "private.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        farm = FarmProcess(folder, servers=SERVERS, verify_key_file=folder / "public.pem")
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        try:
            for _ in range(args.rounds):  # alternated, so both see the same machine
                for workers in runs:
                    run = one_round(args.database, key_file, farm.ports, args.followers, workers, args.concurrency)
                    runs[workers].append(run)
            receipts = farm.receipts()
        finally:
            farm.stop()
    medians = {n: sorted(found, key=lambda r: r["rate_with_a_core_each"])[len(found) // 2] for n, found in runs.items()}
    for workers, result in medians.items():
        rounds = ", ".join(f"{run['rate_with_a_core_each']:,}" for run in runs[workers])
        print(
            f"{workers} worker(s): {result['delivered']} deliveries ({result['per_worker']}) in {result['seconds']} s "
            f"= {result['wall_rate']:,}/s wall clock; sender CPU {result['sender_cpu_s']} s "
            f"({result['cpu_us_per_delivery']} µs a delivery), the busiest worker {result['busiest_worker_cpu_s']} s: "
            f"{result['rate_with_a_core_each']:,} deliveries/s with a core each (median; rounds {rounds})"
        )
    ratio = medians[2]["rate_with_a_core_each"] / medians[1]["rate_with_a_core_each"]
    print(f"two workers: {ratio:.2f} x one (target >= 1.7); receivers verified {len(receipts['received'])}, "
          f"refused {receipts['invalid']}")  # fmt: skip
    print(json.dumps({"ratio": round(ratio, 3), "one": medians[1], "two": medians[2]}))


if __name__ == "__main__":
    main()
