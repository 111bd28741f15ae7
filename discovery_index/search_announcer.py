"""A followed search boosts each new resource that matches it: an `Announce` of the original Note, from the search's
actor (`search_actors`), to its followers.

Called when the index has just added a resource from a Create (`inbox.IndexInbox.on_new`). For every saved search
that has followers, the store says which of the new resources match it strictly (`IndexStore.matching`: every word,
every filter); each match is queued as one Announce per follower's server (shared inbox first) in the toolkit's
delivery queue, whose worker signs it with the search actor's key id and retries it on Mastodon's schedule. The
Announce's id is derived from the search and the Note, so the same resource reaching the index twice (as a Note and
as its Page) is announced once.

Mastodon shows a boost of a Note it can fetch: the Note stays on its own site, the follower's server fetches it there
(app/lib/activitypub/activity/announce.rb, `status_from_uri`/`fetch_remote_original_status`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from lectern.discovery_index.search_actors import SearchActors
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import PUBLIC, OutgoingActivity, ShimStorage, activity_body, announce, now_timestamp

logger = logging.getLogger(__name__)


class SearchAnnouncer:
    def __init__(self, actors: SearchActors, storage: ShimStorage, store: IndexStore, wake: Callable[[], None]) -> None:
        self.actors = actors
        self.storage = storage
        self.store = store
        self.wake = wake

    def announce_new(self, object_ids: list[str]) -> int:
        """Queue the Announces of `object_ids` for every followed search they match; how many jobs were queued."""
        followed = sorted({follow.actor for follow in self.storage.followers.all_followers()})
        queued = 0
        for handle, query in self.actors.searches(followed).items():
            for object_id in sorted(self.store.matching(query, object_ids)):
                queued += self._announce(handle, object_id)
        if queued:
            self.wake()
        return queued

    def _announce(self, handle: str, object_id: str) -> int:
        actor = self.actors.actor_id(handle)
        digest = hashlib.sha256(object_id.encode()).hexdigest()[:24]
        boost = announce(
            f"{actor}/announces/{digest}", actor, object_id,
            published=now_timestamp(), to=[PUBLIC], cc=[f"{actor}/followers"],
        )  # fmt: skip
        inboxes = self.storage.followers.inboxes_of([handle])
        outgoing = OutgoingActivity(str(boost["id"]), "Announce", handle, activity_body(boost))
        jobs = self.storage.deliveries.enqueue(outgoing, inboxes, time.time())
        logger.info("search %s boosts %s to %d inbox(es)", handle, object_id, jobs)
        return jobs
