"""Benchmark: one Create to many followers through the real queue and worker, against loopback inboxes that verify
every signature (a separate process), beside the raw RSA-2048 signing rate measured in the same run.

    python bench/delivery.py [--concurrency 256] [--rounds 3] [--database postgresql://...]

Scenarios: 10,000 followers on 500 servers that each have a shared inbox (500 signed POSTs deliver to all 10,000);
2,000 followers with distinct inboxes on 2,000 servers and no shared inbox (2,000 signed POSTs, each on a new
connection); 2,000 followers with personal inboxes on 100 servers (2,000 signed POSTs over kept-alive connections).
Every request is signed when it is sent. Each scenario runs `--rounds` times on a fresh queue; the median is reported
with every round's figure (this machine's speed varies from run to run). Targets: >= 2,000 signed deliveries/s per
core; 10,000 followers on 500 servers delivered in under 1 s.

With `--database postgresql://...`, every scenario runs on SQLite and then on that PostgreSQL database, in the same
run (each round in a schema of its own, made and dropped by the bench; nothing else in the database is touched).
The sender's CPU is what it is on both; on PostgreSQL the database's own work runs in the server's processes, so
their CPU time (read from /proc when the server runs on this machine and the user may read its data directory) is
reported beside it, and a second figure counts both.

"Per core" is measured as deliveries per CPU-second of the sending process (signing threads included): on a
2-core machine the receivers (one Python process verifying every signature) share the cores with the sender, so
the wall-clock rate is bounded by them, not by the sender.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

from lectern.delivery_plan import Plan, PlannedActivity  # noqa: E402
from lectern.federation_shim import (  # noqa: E402
    DeliveryWorker,
    Follower,
    InboxClient,
    ShimStorage,
    postgres_storage,
    run_event_loop,
    sqlite_storage,
)
from lectern.told_record import plan_recorder  # noqa: E402
from tests.federation_shim.farm_process import FarmProcess  # noqa: E402

SITE = "https://oer.example"
ACTIVITY = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": f"{SITE}/ap/activities/fractions/strips/create.json",
    "type": "Create",
    "actor": f"{SITE}/ap/actors/fractions.json",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "object": {
        "id": f"{SITE}/ap/objects/fractions/strips.json",
        "type": "Note",
        "content": "<p><strong>Equivalent fractions with paper strips</strong></p>" + "<p>x</p>" * 40,
    },
}


def signing_rate(key: rsa.RSAPrivateKey, seconds: float = 1.0) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        key.sign(f"(request-target): post /inbox\ndate: {count}".encode(), padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - started)


def seed(storage: ShimStorage, ports: list[int], followers_per_server: int, shared: bool) -> int:
    count = 0
    with storage.database.atomic():
        for server, port in enumerate(ports):
            for n in range(followers_per_server):
                follower = f"http://127.0.0.1:{port}/users/s{server}u{n}"
                shared_inbox = f"http://127.0.0.1:{port}/inbox" if shared else None
                follow = Follower("fractions", follower, f"{follower}/inbox", shared_inbox, f"{follower}#f", "2026")
                storage.followers.add_follower(follow, follow.follow_id)
                count += 1
    return count


@contextmanager
def postgres_round(url: str) -> Iterator[ShimStorage]:
    """The shim's storage in a new schema of the database at `url`, dropped afterwards."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            storage = postgres_storage(make_conninfo(url, options=f"-c search_path={schema}"), max_connections=4)
            try:
                yield storage
            finally:
                storage.close()
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def server_cpu_seconds(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL server at `url` (its processes, and those that ended), when it runs
    on this machine and its data directory can be read; None otherwise."""
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            row = connection.execute("SHOW data_directory").fetchone()
        postmaster = int((Path(str(row[0] if row else "")) / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if pid == postmaster:
                total += sum(int(f) for f in fields[11:15])  # its own and its ended children's
            elif parent == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick
    except (psycopg.Error, OSError, ValueError, IndexError):
        return None


class TimedKey:
    """The private key, counting the CPU time its signatures take (in whichever thread signs), so each delivery's
    cost can be split into the RSA signature and everything else."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.seconds = 0.0
        self.count = 0
        self._lock = threading.Lock()

    def sign(self, data: bytes, pad: padding.AsymmetricPadding, algorithm: hashes.HashAlgorithm) -> bytes:
        started = time.thread_time()
        signature = self.key.sign(data, pad, algorithm)
        spent = time.thread_time() - started
        with self._lock:
            self.seconds += spent
            self.count += 1
        return signature


async def deliver(
    storage: ShimStorage,
    rsa_key: rsa.RSAPrivateKey,
    ports: list[int],
    per_server: int,
    shared: bool,
    concurrency: int,
    database_url: str | None = None,
) -> dict[str, float]:
    key = TimedKey(rsa_key)
    followers = seed(storage, ports, per_server, shared)
    client = InboxClient(allow_private_addresses=True, timeout=30)
    worker = DeliveryWorker(
        storage.deliveries,
        key,  # type: ignore[arg-type]  # duck-typed: only sign() is used
        lambda name: f"{SITE}/ap/actors/{name}.json#main-key",
        client,
        storage.followers,
        concurrency=concurrency,
        sign_in_threads=os.environ.get("LECTERN_SIGN_INLINE") != "1",
    )
    try:
        server_started = server_cpu_seconds(database_url) if database_url else None
        started, cpu_started = time.perf_counter(), time.process_time()
        usage_started = resource.getrusage(resource.RUSAGE_SELF)
        jobs = plan_recorder(storage).record_plan(
            Plan([PlannedActivity(ACTIVITY, "fractions", "collection", "fractions")], []), "library", time.time()
        )
        stats = await worker.run(until_idle=True)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        server_ended = server_cpu_seconds(database_url) if database_url else None
    finally:
        await client.close()
        worker.close()
    server = {}
    if server_started is not None and server_ended is not None:
        server_cpu = server_ended - server_started
        server = {
            "database_server_cpu_s": round(server_cpu, 3),
            "deliveries_per_cpu_s_with_database_server": round(stats.delivered / (cpu + server_cpu)),
        }
    return {
        "followers": followers,
        "requests": jobs,
        "delivered": stats.delivered,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(stats.delivered / elapsed),
        "sender_cpu_s": round(cpu, 3),
        "sender_user_s": round(usage.ru_utime - usage_started.ru_utime, 3),
        "sender_system_s": round(usage.ru_stime - usage_started.ru_stime, 3),
        "deliveries_per_cpu_s": round(stats.delivered / cpu),
        "cpu_us_per_delivery": round(cpu / stats.delivered * 1e6),
        "rsa_signing_us_per_delivery": round(key.seconds / max(1, key.count) * 1e6),
        "followers_per_s": round(followers / elapsed),
        **server,
    }


SCENARIOS = (
    # name, servers, followers per server, shared inbox
    ("10k followers on 500 servers", 500, 20, True),
    ("2,000 distinct inboxes", 2000, 1, False),
    ("2,000 personal inboxes on 100 servers", 100, 20, False),
)


def split_cpus(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """With --pin (and 2 or more CPUs): the sender on the first CPU, the receivers on the others, so neither takes
    the other's core and "per core" is literally one core's work."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not pin or len(available) < 2:
        return None, None
    os.sched_setaffinity(0, {available[0]})
    return {available[0]}, set(available[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True, help="sender on one CPU")
    parser.add_argument("--rounds", type=int, default=3, help="runs per scenario (fresh queue each); median reported")
    parser.add_argument("--database", help="also run every scenario on this PostgreSQL database (postgresql://...)")
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="lectern-bench-delivery-") as tmp:
        folder = Path(tmp)
        key_file = folder / "public.pem"
        key_file.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        sender_cpus, receiver_cpus = split_cpus(args.pin)
        rate = signing_rate(key)
        print(f"raw RSA-2048 signing: {rate:,.0f} signatures/s on one core ({cores} cores here)")
        results = {}
        backends = ["sqlite"] + (["postgresql"] if args.database else [])
        for (scenario, servers, per_server, shared), backend in [(s, b) for s in SCENARIOS for b in backends]:
            name = f"{scenario} [{backend}]" if args.database else scenario
            farm = FarmProcess(folder, servers=servers, verify_key_file=key_file, cpus=receiver_cpus)
            rounds = []
            try:
                for round_number in range(args.rounds):
                    if backend == "postgresql":
                        with postgres_round(args.database) as storage:
                            run = deliver(storage, key, farm.ports, per_server, shared, args.concurrency, args.database)
                            rounds.append(run_event_loop(run))
                        continue
                    run_folder = folder / f"{len(results)}-{round_number}"
                    run_folder.mkdir()
                    storage = sqlite_storage(run_folder / "shim.sqlite3")
                    try:
                        rounds.append(
                            run_event_loop(deliver(storage, key, farm.ports, per_server, shared, args.concurrency))
                        )
                    finally:
                        storage.close()
                receipts = farm.receipts()
            finally:
                farm.stop()
            result = dict(sorted(rounds, key=lambda r: r["deliveries_per_cpu_s"])[len(rounds) // 2])
            result["rounds_deliveries_per_cpu_s"] = [r["deliveries_per_cpu_s"] for r in rounds]
            result["rounds_seconds"] = [r["seconds"] for r in rounds]
            result["share_of_raw_signing_rate"] = round(result["deliveries_per_cpu_s"] / rate, 2)
            result["verified_by_receivers"] = len(receipts["received"])
            result["refused_by_receivers"] = receipts["invalid"]
            results[name] = result
            print(
                f"{name} (median of {len(rounds)}): {result['requests']} signed POSTs delivered to "
                f"{result['followers']} followers in {result['seconds']} s = {result['requests_per_s']:,} "
                f"deliveries/s ({result['followers_per_s']:,} followers/s); the sender used {result['sender_cpu_s']} s "
                f"of CPU: {result['deliveries_per_cpu_s']:,} signed deliveries per CPU-second (per core; rounds: "
                f"{', '.join(f'{n:,}' for n in result['rounds_deliveries_per_cpu_s'])}; "
                f"{result['share_of_raw_signing_rate']:.2f} x the raw signing rate); each delivery "
                f"{result['cpu_us_per_delivery']} µs of CPU, of which the RSA signature "
                f"{result['rsa_signing_us_per_delivery']} µs; receivers verified "
                f"{result['verified_by_receivers']} of {len(rounds) * result['requests']}, refused "
                f"{result['refused_by_receivers']}"
                + (
                    f"; the database server used {result['database_server_cpu_s']} s of CPU: "
                    f"{result['deliveries_per_cpu_s_with_database_server']:,} deliveries per CPU-second of both"
                    if "database_server_cpu_s" in result
                    else ""
                )
            )
        print(json.dumps({"signing_per_s_one_core": round(rate), "cores": cores, **results}))


if __name__ == "__main__":
    main()
