"""Benchmark: the delivery queue alone (no HTTP, no signing), on SQLite and on PostgreSQL in the same run: queue one
activity for N inboxes, then claim the jobs in batches and mark them delivered, as a worker does.

    python bench/delivery_queue.py [--jobs 100000] [--batch 256] [--database postgresql://...]

Reports jobs per second for each phase (wall clock; the database server's own CPU is not the sender's, so on
PostgreSQL a wall-clock figure is the fair one) and, on PostgreSQL, the table's size on disk. Without `--database`
only SQLite runs. The PostgreSQL run uses a schema of its own, made and dropped by the bench.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.delivery import postgres_round  # noqa: E402
from lectern.federation_shim import OutgoingActivity, ShimStorage, sqlite_storage  # noqa: E402

ACTIVITY = OutgoingActivity("https://oer.example/ap/activities/1", "Create", "fractions", b"{}" * 1000)


def run(storage: ShimStorage, jobs: int, batch: int) -> dict[str, float]:
    queue = storage.deliveries
    inboxes = [f"https://s{n % 10_000}.example/users/u{n}/inbox" for n in range(jobs)]
    now = time.time()
    started = time.perf_counter()
    assert queue.enqueue(ACTIVITY, inboxes, now) == jobs
    queued = time.perf_counter() - started
    started = time.perf_counter()
    done = 0
    while claimed := queue.claim_due(now, batch):
        queue.mark_delivered([(1, 202, job.id) for job in claimed], "2026-11-30T00:00:00Z")
        done += len(claimed)
    delivered = time.perf_counter() - started
    assert done == jobs and queue.counts(now).done == jobs
    return {
        "jobs": jobs,
        "enqueue_s": round(queued, 3),
        "enqueued_per_s": round(jobs / queued),
        "claim_and_mark_delivered_s": round(delivered, 3),
        "claimed_and_delivered_per_s": round(jobs / delivered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=256, help="jobs claimed at once (the worker's concurrency)")
    parser.add_argument("--database", help="also run on this PostgreSQL database (postgresql://...)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="lectern-bench-queue-") as tmp:
        storage = sqlite_storage(Path(tmp) / "shim.sqlite3")
        try:
            results["sqlite"] = run(storage, args.jobs, args.batch)
        finally:
            storage.close()
        results["sqlite"]["file_mb"] = round((Path(tmp) / "shim.sqlite3").stat().st_size / 1e6, 1)
    if args.database:
        with postgres_round(args.database) as storage:
            results["postgresql"] = run(storage, args.jobs, args.batch)
            with storage.database.connection() as db:  # type: ignore[attr-defined]
                row = db.execute("SELECT pg_total_relation_size('delivery_jobs')").fetchone()
            results["postgresql"]["table_mb"] = round(int(row[0]) / 1e6, 1)
    for name, result in results.items():
        print(
            f"{name}: queued {result['jobs']:,} jobs in {result['enqueue_s']} s ({result['enqueued_per_s']:,}/s); "
            f"claimed and marked delivered in batches of {args.batch} in {result['claim_and_mark_delivered_s']} s "
            f"({result['claimed_and_delivered_per_s']:,}/s)"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
