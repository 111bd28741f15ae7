"""A PostgreSQL cluster for the benchmarks, durable as a deployment (fsync, synchronous commits, full-page writes:
PostgreSQL's defaults), on a Unix socket in a temporary folder (tests/postgres_server.py), with the memory settings
a small dedicated database server would have. Prints its URL and runs until Ctrl+C (or --seconds):

    python bench/postgres_cluster.py [--shared-buffers 2GB] [--seconds N]
    python bench/index.py --database 'postgresql://...'   (in another shell)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from tests.postgres_server import PostgresServer, find_binary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-buffers", default="2GB")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: at Ctrl+C)")
    args = parser.parse_args()
    server = PostgresServer(durable=True)
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as admin:
            for name, value in (("shared_buffers", args.shared_buffers), ("work_mem", "32MB"),
                                ("maintenance_work_mem", "512MB"), ("effective_cache_size", "8GB"),
                                ("max_wal_size", "4GB"), ("random_page_cost", "1.1")):  # fmt: skip
                admin.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        server._run(find_binary("pg_ctl") or "pg_ctl", "restart", "--wait", "--pgdata", str(server.data),
                    "--log", str(server.log))  # fmt: skip
        url = server.new_database()
        print(url, flush=True)
        deadline = time.monotonic() + args.seconds if args.seconds else float("inf")
        while time.monotonic() < deadline:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
