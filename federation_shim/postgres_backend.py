"""The shim's storage on PostgreSQL: followers, processed activities, remote keys, the delivery queue and host health
in one database that any number of web workers and delivery workers share (`postgres_storage(url)`).

The tables are those of the SQLite backend (`state`, `delivery_store`), made by `SHIM_MIGRATIONS` on start
(`postgres_database.run_migrations`: safe when several processes start at once). An app keeps its own tables on the
same database with its own migrations (`PostgresDatabase.migrate`), and joins their changes to the shim's in
`atomic()`.
"""

from __future__ import annotations

from lectern.federation_shim.postgres_database import PostgresDatabase
from lectern.federation_shim.postgres_delivery import PostgresDeliveryStore
from lectern.federation_shim.postgres_followers import PostgresFollowers, PostgresKeyStore
from lectern.federation_shim.storage import ShimStorage

__all__ = ["SHIM_MIGRATIONS", "postgres_storage"]

SHIM_COMPONENT = "federation_shim"

# Step n brings the shim's tables to version n; a released step is never changed, only followed by new ones
SHIM_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE followers (
        actor TEXT NOT NULL,            -- our actor's name: a collection slug or the site actor
        follower TEXT NOT NULL,         -- the remote actor's id
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id TEXT NOT NULL,        -- the id of the Follow activity, for Undo and for the Accept
        created_at TEXT NOT NULL,
        PRIMARY KEY (actor, follower)
    );
    CREATE INDEX followers_by_follower ON followers (follower);
    CREATE INDEX followers_by_follow_id ON followers (follow_id);
    CREATE INDEX followers_by_inbox ON followers (inbox);
    CREATE INDEX followers_by_shared_inbox ON followers (shared_inbox);
    CREATE TABLE processed_activities (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE remote_keys (
        key_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        public_key_pem TEXT NOT NULL,
        fetched_at DOUBLE PRECISION NOT NULL  -- seconds since the epoch
    );
    CREATE INDEX remote_keys_by_owner ON remote_keys (owner);
    CREATE TABLE outgoing_activities (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        signer TEXT NOT NULL,
        body BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE delivery_jobs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        activity_id TEXT NOT NULL REFERENCES outgoing_activities (id),
        inbox TEXT NOT NULL,
        host TEXT NOT NULL,
        state TEXT NOT NULL,            -- pending, done, failed, gone, skipped
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try DOUBLE PRECISION NOT NULL,
        lease_owner BIGINT,             -- the worker's presence lock (postgres_delivery)
        lease_until DOUBLE PRECISION,
        last_status INTEGER,
        last_error TEXT,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (activity_id, inbox)
    ) WITH (fillfactor = 70);           -- room on each page: a claim's lease is updated in place (HOT)
    CREATE INDEX delivery_jobs_due ON delivery_jobs (next_try, id) WHERE state = 'pending';
    CREATE INDEX delivery_jobs_changed ON delivery_jobs (updated_at);
    CREATE TABLE host_health (
        host TEXT PRIMARY KEY,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        open_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        times_opened INTEGER NOT NULL DEFAULT 0,
        unavailable BOOLEAN NOT NULL DEFAULT false
    );
    CREATE TABLE host_failure_days (host TEXT NOT NULL, day DATE NOT NULL, PRIMARY KEY (host, day));
    """,
)


def postgres_storage(url: str, *, max_connections: int = 8, lock_timeout: float | None = None) -> ShimStorage:
    """Every store on a pool of at most `max_connections` connections to the PostgreSQL database at `url`
    (`postgresql://user:password@host:port/database`, or any libpq connection string), its tables made or brought up
    to date first; `lock_timeout` as in `PostgresDatabase`. Raises `StorageUnavailable` when the database cannot be
    reached."""
    database = PostgresDatabase(url, max_size=max_connections, lock_timeout=lock_timeout)
    try:
        database.migrate(SHIM_COMPONENT, SHIM_MIGRATIONS)
        return ShimStorage(
            database, PostgresFollowers(database), PostgresKeyStore(database), PostgresDeliveryStore(database)
        )
    except BaseException:
        database.close()
        raise
