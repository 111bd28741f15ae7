"""The discovery index: one search across every Lectern instance (and any Fediverse actor posting Notes).

Why a package of its own, beside `federation_shim`: the index is a separate deployable service, with its own state
(SQLite in `index-instance/`), its own key pair and actor, and its own Starlette app. It *depends on* the shim's
library modules (HTTP signatures, the safe remote fetcher, the key cache, signed POSTs) and on `lectern`'s core; the
shim and the generator never import it, so a Lectern site runs exactly the same with or without an index.

How it works, in one line per module (docs/discovery-index.md has the long version):

    config            IndexConfig: the folder, the public URL, the admin token; validated once
    records           the frozen values: instances, collections, resources, changes to apply
    html_text         HTML -> plain text, hashtags and links (stdlib parser; no remote anything)
    licenses          a license URI -> a short label for facets
    note_record       a Note (Lectern's schema.org terms, or any Fediverse Note) -> a ResourceRecord
    actor_record      an actor document -> a CollectionRecord (with `indexable`)
    query_text        what a person typed -> a safe FTS5 query (every term quoted)
    storage           the IndexStore protocol: the handful of operations the service needs
    sqlite_store      IndexStore on SQLite + FTS5 (bm25 ranking, snippets, facet counts)
    ingest            Create/Update/Delete -> changes -> the store, in batches (inbox, backfill, benchmark)
    discovery         a handle or URL -> the instance and its collection actors
    backfill          walk an outbox page by page
    follows           Follow and Undo(Follow) from the index's actor
    subscriptions     `index add` / `index remove`: discovery, follow, backfill, forget
    actor             the index's own Service actor, WebFinger, outbox
    inbox             verified deliveries, in the shim's order of checks
    search_page       the HTML search page (no JavaScript needed)
    app               the Starlette app: public API, HTML, ActivityPub, admin endpoints
    admin_client      what `lectern index add/remove/list` use to talk to the running service
    cli               `lectern index serve|add|remove|list`
"""

from __future__ import annotations
