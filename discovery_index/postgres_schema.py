"""The discovery index's tables on PostgreSQL, made and brought up to date on start (`INDEX_MIGRATIONS`).

They run after the federation toolkit's own (`federation_shim.SHIM_MIGRATIONS`): the index keeps its processed
activity ids in the toolkit's `processed_activities` and its key cache in `remote_keys` (`PostgresKeyStore`), so the
followable searches' stores can live on the same database. Both lists run through
`federation_shim.run_migrations` (one transaction under an advisory lock: several index workers may start at once).

    instances, collections   what is followed, as on SQLite
    resources                one row per indexed Note: the record's fields, `terms` (a tsvector of *our own*
                             analysed terms, `postgres_terms`), `facets` (the ids of its facet values)
    facet_values             (id, facet, key, label, count): `key` as filters compare it (`facet_tables.facet_key`),
                             `count` kept on each write, so the home page reads its counts from an index
    vocabulary               the words indexed, with a trigram index (pg_trgm) for "did you mean"

pg_trgm is a trusted extension: the owner of the database may create it (`CREATE EXTENSION` needs no superuser).
"""

from __future__ import annotations

INDEX_COMPONENT = "discovery_index"

# Step n brings the index's tables to version n; a released step is never changed, only followed by new ones
INDEX_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE instances (
        host TEXT PRIMARY KEY, base_url TEXT NOT NULL, name TEXT NOT NULL, software TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE collections (
        actor_id TEXT PRIMARY KEY, instance TEXT NOT NULL, handle TEXT NOT NULL, kind TEXT NOT NULL,
        name TEXT NOT NULL, summary TEXT NOT NULL, curator TEXT NOT NULL, url TEXT NOT NULL, inbox TEXT NOT NULL,
        tags TEXT NOT NULL, icon TEXT NOT NULL, indexable BOOLEAN, outbox TEXT NOT NULL, follow_id TEXT NOT NULL,
        follow_state TEXT NOT NULL, fetched_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX collections_by_instance ON collections (instance);
    CREATE INDEX collections_by_follow ON collections (follow_id);
    CREATE TABLE resources (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        object_id TEXT NOT NULL UNIQUE, collection TEXT NOT NULL, instance TEXT NOT NULL, url TEXT NOT NULL,
        title TEXT NOT NULL, summary TEXT NOT NULL, license TEXT NOT NULL, language TEXT NOT NULL,
        resource_type TEXT NOT NULL, levels TEXT NOT NULL, subjects TEXT NOT NULL, tags TEXT NOT NULL,
        authors TEXT NOT NULL, links TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL,
        source TEXT NOT NULL, body TEXT NOT NULL, link_key TEXT NOT NULL,
        terms TSVECTOR NOT NULL,        -- postgres_terms.document_terms: analysed in the resource's language
        facets INTEGER[] NOT NULL       -- facet_values.id * 8 + the facet, and -1 - the sample bucket (postgres_writes)
    );
    CREATE INDEX resources_by_collection ON resources (collection);
    CREATE INDEX resources_by_instance ON resources (instance);
    CREATE INDEX resources_newest ON resources (updated DESC, id DESC);
    CREATE INDEX resources_by_link ON resources (link_key) WHERE link_key <> '';
    CREATE INDEX resources_terms ON resources USING gin (terms);
    CREATE INDEX resources_facets ON resources USING gin (facets);
    CREATE TABLE facet_values (
        id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, facet TEXT NOT NULL, key TEXT NOT NULL,
        label TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0, UNIQUE (facet, key)
    );
    CREATE INDEX facet_values_by_count ON facet_values (facet, count DESC, label COLLATE "C");
    CREATE TABLE vocabulary (word TEXT PRIMARY KEY, count INTEGER NOT NULL);
    CREATE INDEX vocabulary_grams ON vocabulary USING gin (word gin_trgm_ops);
    """,
)
