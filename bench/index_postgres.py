"""`bench/index.py --database postgresql://...`: the index in PostgreSQL (`discovery_index.postgres_store`).

Each run makes a schema of its own in that database (`bench_index_<random>`, the store's tables in it; pg_trgm in
`public`, made once),
and drops it at the end (LECTERN_BENCH_KEEP=1 keeps it and prints its URL). After ingesting, `VACUUM ANALYZE` brings
the tables to the state autovacuum keeps a live database in (planner statistics, the GIN indexes' pending lists
merged, the visibility map); its time is reported apart from the ingest's. A cluster to run it on:
`python bench/postgres_cluster.py` (durable, as a deployment).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo

from lectern.discovery_index.postgres_store import PostgresIndexStore
from lectern.discovery_index.storage import IndexStore


@contextmanager
def postgres_store(url: str) -> Iterator[PostgresIndexStore]:
    schema = f"bench_index_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        keep = False
        try:
            admin.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")  # one per database
            scoped = make_conninfo(url, options=f"-c search_path={schema},public")
            store = PostgresIndexStore(scoped)
            try:
                yield store
            finally:
                store.close()
            keep = os.environ.get("LECTERN_BENCH_KEEP") == "1"
            if keep:
                print(f"kept the schema {schema}: {scoped}")
        finally:
            if not keep:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")


def settle(store: IndexStore) -> str:
    """VACUUM ANALYZE the store's tables; a line saying how long it took and how large the database is."""
    assert isinstance(store, PostgresIndexStore)
    started = time.perf_counter()
    with psycopg.connect(store.database.url, autocommit=True) as db:  # no lock timeout: autovacuum may be at work
        for table in ("resources", "facet_values", "vocabulary"):
            db.execute(f"VACUUM ANALYZE {table}")
        row = db.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        ).fetchone()
        tables = db.execute(
            "SELECT pg_total_relation_size('resources'), pg_relation_size('resources'), "
            "pg_relation_size('resources_terms'), pg_relation_size('resources_facets')"
        ).fetchone()
    size = int(row[0] if row else 0)
    assert tables is not None
    return (
        f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s; the index's tables take {size / 2**20:,.0f} MB "
        f"(resources {tables[0] / 2**20:,.0f} MB: rows {tables[1] / 2**20:,.0f} MB, terms GIN "
        f"{tables[2] / 2**20:,.0f} MB, facets GIN {tables[3] / 2**20:,.0f} MB)"
    )
