"""What `lectern review` does beyond its own files when a curator decides: a follow request of a classroom collection
is answered (the follower stored and an Accept queued, or a Reject queued), and a suggestion's links are read to
pre-fill the resource files it becomes.

Answers go through the shim's delivery queue (`instance/shim.sqlite3`), signed and sent by the running shim's worker
or by `lectern deliver`, with the same retries as every delivery. A suggested page is fetched with the toolkit's
guarded fetcher: no private address (unless the settings allow them, for tests), at most 512 KiB, a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lectern.federation_shim import (
    FetchError,
    Follower,
    OutgoingActivity,
    RemoteFetcher,
    ShimStorage,
    accept_follow,
    activity_body,
    now_timestamp,
    reject_follow,
)
from lectern.review_queue import ReviewItem
from lectern.review_run import ReviewEffects, suggester
from lectern.settings import Settings
from lectern.shim_storage import open_shim_storage
from lectern.site_paths import SitePaths


def open_storage(settings: Settings) -> ShimStorage:
    return open_shim_storage(settings)


def follow_answerer(settings: Settings, storage: ShimStorage) -> Callable[[ReviewItem, bool], None]:
    paths = SitePaths(settings.site_url)

    def answer(item: ReviewItem, accepted: bool) -> None:
        name = item.interaction.collection_actor or ""
        our_id = paths.actor(name)
        follower, follow_id, inbox = item.interaction.actor, item.interaction.activity_id, item.author.inbox
        received = {"id": follow_id, "type": "Follow", "actor": follower, "object": our_id}
        if accepted:
            shared = item.author.shared_inbox or None
            storage.followers.add_follower(
                Follower(name, follower, inbox, shared, follow_id, now_timestamp()), follow_id
            )
        answer = accept_follow(received, our_id) if accepted else reject_follow(received, our_id)
        outgoing = OutgoingActivity(str(answer["id"]), str(answer["type"]), name, activity_body(answer))
        storage.deliveries.enqueue(outgoing, [inbox], time.time())

    return answer


def page_reader(settings: Settings) -> Callable[[str], str | None]:
    def read(url: str) -> str | None:
        async def fetch() -> str:
            async with RemoteFetcher(
                allow_private_addresses=settings.allow_private_addresses, deadline=10.0
            ) as fetcher:
                return await fetcher.fetch_text(url)

        try:
            return asyncio.run(fetch())
        except FetchError:
            return None

    return read


def review_effects(
    settings: Settings, storage: ShimStorage, collections: dict[str, tuple[Path, str]], today: date
) -> ReviewEffects:
    return ReviewEffects(
        suggest=suggester(collections, page_reader(settings), today),
        follow_decided=follow_answerer(settings, storage),
    )
