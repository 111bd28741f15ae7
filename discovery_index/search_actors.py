"""A search as a followable actor: `@search-3f9c2a1b7e@index.example` is "fractions, level primary, language es".

Any search shown on the search page (words and filters) gets a handle, derived from its canonical form
(`search_feed.canonical_search`), so the same search written two ways is one actor. The page shows the handle and
links the actor (`rel="alternate"`); following it from Mastodon brings each new matching resource, from any site the
index follows, into the follower's home timeline as a boost (`Announce`) of the original Note, which Mastodon then
fetches from its own site (`lectern.discovery_index.search_announcer`).

Searches are remembered in `searches.sqlite3` when their page is shown (the actor must exist before anyone can follow
it: Mastodon fetches the actor, then sends its Follow). A search nobody follows is forgotten once
`KEPT_UNFOLLOWED` newer ones have been shown; a followed one is kept while it has followers.

Each search actor is a `Service` (an automated account: Mastodon marks it as a bot) whose key is the index's own key
under the actor's key id, so every signature names the search that sends it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from lectern.discovery_index.search_feed import canonical_search, describe_search, search_path
from lectern.discovery_index.storage import SearchQuery
from lectern.federation_shim import ACTIVITYSTREAMS, SECURITY

HANDLE_PREFIX = "search-"
HANDLE_DIGITS = 10
KEPT_UNFOLLOWED = 10_000
SEARCHES_FILE = "searches.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_searches (
    handle TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    last_shown REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_searches_shown ON saved_searches (last_shown);
"""


def handle_of(query: SearchQuery) -> str:
    canonical = json.dumps(canonical_search(query), ensure_ascii=False, separators=(",", ":"))
    return HANDLE_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:HANDLE_DIGITS]


def _query_of(canonical: str) -> SearchQuery:
    text, filters = "", dict[str, list[str]]()
    for name, value in json.loads(canonical):
        if name == "q":
            text = value
        else:
            filters.setdefault(name, []).append(value)
    return SearchQuery(text, {name: tuple(values) for name, values in filters.items()})


@dataclass(frozen=True)
class SearchActors:
    """The index's saved searches and what makes each an actor: ids, WebFinger, actor document."""

    public_url: str
    db: sqlite3.Connection

    @classmethod
    def open(cls, public_url: str, folder: Path) -> SearchActors:
        folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(folder / SEARCHES_FILE, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=2000")
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        return cls(public_url, db)

    def close(self) -> None:
        self.db.close()

    def remember(self, query: SearchQuery, followed: set[str] | frozenset[str] = frozenset()) -> str:
        """Keep `query` as a followable search (its page was shown); its handle. Old unfollowed searches beyond
        KEPT_UNFOLLOWED are forgotten (`followed`: handles that have followers)."""
        handle = handle_of(query)
        canonical = json.dumps(canonical_search(query), ensure_ascii=False, separators=(",", ":"))
        self.db.execute(
            "INSERT INTO saved_searches VALUES (?, ?, ?)"
            " ON CONFLICT (handle) DO UPDATE SET last_shown = excluded.last_shown",
            (handle, canonical, time.time()),
        )
        count = self.db.execute("SELECT count(*) FROM saved_searches").fetchone()[0]
        if count > KEPT_UNFOLLOWED + len(followed):
            stale = self.db.execute(
                "SELECT handle FROM saved_searches ORDER BY last_shown LIMIT ?", (count - KEPT_UNFOLLOWED,)
            ).fetchall()
            gone = [(h,) for (h,) in stale if h not in followed and h != handle]
            self.db.executemany("DELETE FROM saved_searches WHERE handle = ?", gone)
        return handle

    def query(self, handle: str) -> SearchQuery | None:
        row = self.db.execute("SELECT canonical FROM saved_searches WHERE handle = ?", (handle,)).fetchone()
        return _query_of(row[0]) if row else None

    def searches(self, handles: list[str]) -> dict[str, SearchQuery]:
        found = {}
        for handle in handles:
            query = self.query(handle)
            if query is not None:
                found[handle] = query
        return found

    # ids
    def actor_id(self, handle: str) -> str:
        return f"{self.public_url}/searches/{handle}"

    def key_id(self, handle: str) -> str:
        return f"{self.actor_id(handle)}#main-key"

    def name_of_actor(self, actor_id: str) -> str | None:
        """The handle of the search whose actor `actor_id` is (what the toolkit's inbox asks: `LocalActors`)."""
        prefix = f"{self.public_url}/searches/"
        if not actor_id.startswith(prefix):
            return None
        handle = actor_id[len(prefix) :]
        return handle if self.query(handle) is not None else None

    def handle_from_webfinger(self, resource: str | None, host: str) -> str | None:
        """The handle a WebFinger query names (`acct:search-…@host` or the actor's URL), if it is a saved search."""
        if not resource:
            return None
        if resource.startswith("acct:"):
            user, _, at = resource[5:].partition("@")
            return user if at.lower() == host.lower() and self.query(user) is not None else None
        return self.name_of_actor(resource)

    def webfinger(self, handle: str, host: str) -> dict[str, Any]:
        actor = self.actor_id(handle)
        return {
            "subject": f"acct:{handle}@{host}",
            "aliases": [actor],
            "links": [{"rel": "self", "type": "application/activity+json", "href": actor}],
        }

    def actor(self, handle: str, query: SearchQuery, index_name: str, public_key_pem: str) -> dict[str, Any]:
        actor = self.actor_id(handle)
        page = self.public_url + search_path(query)
        return {
            "@context": [
                ACTIVITYSTREAMS,
                SECURITY,
                {
                    "discoverable": "http://joinmastodon.org/ns#discoverable",
                    "indexable": "http://joinmastodon.org/ns#indexable",
                },
            ],  # fmt: skip
            "id": actor,
            "type": "Service",
            "preferredUsername": handle,
            "name": f"Search: {describe_search(query)}"[:200],
            "summary": (
                f"<p>Each new open educational resource that matches this search on {escape(index_name)}, from every "
                f'site it follows, boosted from its own site. <a href="{escape(page)}">See the results</a>.</p>'
            ),
            "url": page,
            "inbox": f"{actor}/inbox",
            "outbox": f"{actor}/outbox",
            "followers": f"{actor}/followers",
            "manuallyApprovesFollowers": False,
            "discoverable": False,
            "indexable": False,
            "publicKey": {"id": self.key_id(handle), "owner": actor, "publicKeyPem": public_key_pem},
        }
