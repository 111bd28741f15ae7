-- The shim's SQLite schema as Lectern created it before the storage protocols (main at b4a204b):
-- federation_shim/state.py SCHEMA, then federation_shim/delivery_store.py SCHEMA. Frozen: databases made by that
-- version must keep opening (tests/federation_shim/test_sqlite_schema_compat.py).
CREATE TABLE IF NOT EXISTS followers (
    actor TEXT NOT NULL,            -- our actor's name: a collection slug or the site actor
    follower TEXT NOT NULL,         -- the remote actor's id
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    follow_id TEXT NOT NULL,        -- the id of the Follow activity, for Undo and for the Accept
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, follower)
);
CREATE INDEX IF NOT EXISTS followers_by_follower ON followers (follower);
CREATE TABLE IF NOT EXISTS processed_activities (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    processed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS remote_keys (
    key_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at REAL NOT NULL        -- seconds since the epoch
);
CREATE TABLE IF NOT EXISTS delivery_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delivered_items (
    key TEXT PRIMARY KEY, object_id TEXT NOT NULL, hash TEXT NOT NULL, updated TEXT NOT NULL, live INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outgoing_activities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, signer TEXT NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_jobs (
    id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL REFERENCES outgoing_activities (id),
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending, done, failed, gone, skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    lease_owner INTEGER,
    lease_until REAL,
    last_status INTEGER,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX IF NOT EXISTS delivery_jobs_due ON delivery_jobs (state, next_try);
CREATE TABLE IF NOT EXISTS host_health (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    open_until REAL NOT NULL DEFAULT 0,
    times_opened INTEGER NOT NULL DEFAULT 0,
    unavailable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS host_failure_days (host TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (host, day));
