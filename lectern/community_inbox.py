"""The shim's inbox, taught what a community does: replies, mentions, likes, boosts, quote requests and reports go
to the review desk (`lectern.interaction_desk`), and a follow of a classroom collection waits for its curator.

`install` adds handlers on the toolkit's `Inbox` (one per activity type, after every check of signature and
sender). Undo and Delete keep the toolkit's meaning first (an unfollow; an actor deleting itself) and fall to the
desk when that meaning does not apply (an Undo of a Like, the Delete of a reply). A Follow of an actor whose
published document says `manuallyApprovesFollowers` (a classroom collection: docs/content-format.md) is stored as a
pending follow request for `lectern review`; every other Follow is accepted by the toolkit as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lectern.federation_shim import (
    Admitted,
    FetchError,
    Inbox,
    InboxResult,
    LocalActors,
    RemoteFetcher,
    SendActivity,
    ShimStorage,
    host_of,
    id_of,
    now_timestamp,
)
from lectern.interaction_desk import InteractionDesk, author_from_actor, quote_stamp, stamp_id
from lectern.interactions import Interaction, OurObjects
from lectern.review_queue import ID_LENGTH, Author, ReviewQueue, new_item
from lectern.review_sqlite import SQLiteReviewQueue
from lectern.review_storage import open_review_queue
from lectern.settings import Settings
from lectern.site_objects import SiteObjects
from lectern.site_paths import SitePaths

if TYPE_CHECKING:
    from lectern.review_postgres import PostgresReviewQueue

logger = logging.getLogger(__name__)

DESK_TYPES = ("Create", "Update", "Like", "Announce", "QuoteRequest", "Flag")
FALL_THROUGH = frozenset({"ignored", "not_following"})  # the toolkit's answers that mean "not a follow matter"


def install(inbox: Inbox, desk: InteractionDesk, objects: SiteObjects, fetcher: RemoteFetcher) -> None:
    follow, undo, delete = inbox.handlers["Follow"], inbox.handlers["Undo"], inbox.handlers["Delete"]

    def ours(actors: LocalActors) -> OurObjects:
        return OurObjects(objects.resource_of, actors.name_of_actor)

    async def to_desk(actors: LocalActors, admitted: Admitted) -> InboxResult:
        return await desk.take(admitted.activity, admitted.actor, ours(actors))

    async def undo_or_desk(actors: LocalActors, admitted: Admitted) -> InboxResult:
        result = await undo(actors, admitted)
        return await to_desk(actors, admitted) if result.reason in FALL_THROUGH else result

    async def delete_or_desk(actors: LocalActors, admitted: Admitted) -> InboxResult:
        result = await delete(actors, admitted)
        return await to_desk(actors, admitted) if result.reason in FALL_THROUGH else result

    async def follow_or_ask(actors: LocalActors, admitted: Admitted) -> InboxResult:
        target = id_of(admitted.activity.get("object"))
        name = actors.name_of_actor(target) if target else None
        if name is None or target is None or not objects.approves_followers(target):
            return await follow(actors, admitted)
        return await _follow_request(desk.queue, fetcher, admitted, name)

    for kind in DESK_TYPES:
        inbox.on(kind, to_desk)
    inbox.on("Undo", undo_or_desk)
    inbox.on("Delete", delete_or_desk)
    inbox.on("Follow", follow_or_ask)


async def _follow_request(queue: ReviewQueue, fetcher: RemoteFetcher, admitted: Admitted, name: str) -> InboxResult:
    """A follow of a classroom collection: kept for the curator, answered when decided (`lectern review`)."""
    try:
        document: dict[str, Any] | None = (await fetcher.fetch(admitted.actor)).document
    except FetchError as error:
        return InboxResult(503 if error.temporary else 422, "actor_fetch_failed", str(error))
    author = author_from_actor(admitted.actor, document)
    if not author.inbox:
        return InboxResult(422, "actor_without_inbox", f"{admitted.actor} has no inbox to answer the follow request")
    request = Interaction(admitted.id, "follow", admitted.actor, None, name)
    if not queue.add(new_item(request, author, now_timestamp())):
        return InboxResult(202, "duplicate", f"{admitted.id} was already received")
    logger.info("%s asks to follow %s; the curator decides", admitted.actor, name)
    return InboxResult(202, "follow_requested", f"{name} asks its curator before accepting followers")


@dataclass(frozen=True)
class Community:
    """The review queue, the build's objects and the desk, as the shim holds them (`open_community`)."""

    review: SQLiteReviewQueue | PostgresReviewQueue
    objects: SiteObjects
    desk: InteractionDesk
    site_actor_id: str

    def close(self) -> None:
        self.review.close()

    def quote_stamp(self, digest: str) -> dict[str, Any] | None:
        """The FEP-044f stamp `…/ap/quote-stamps/<digest>` of an accepted quote request, or None (never granted, or
        taken back by the curator or by an Undo)."""
        item = self.review.get(digest[:ID_LENGTH])
        if item is None or item.kind != "quote" or item.status != "counted" or not item.interaction.resource:
            return None
        if stamp_id(self.desk.site_url, item.interaction.activity_id).rsplit("/", 1)[1] != digest:
            return None
        note = self.objects.note_of(item.interaction.resource)
        return quote_stamp(self.desk.site_url, item.interaction, self.site_actor_id, note) if note else None


def open_community(
    settings: Settings, storage: ShimStorage, inbox: Inbox, fetcher: RemoteFetcher, send: SendActivity
) -> Community:
    """Open the review queue beside the shim's database and teach `inbox` replies, reactions, quotes, reports and
    classroom follows; `send` posts an answer (a quote's Accept or Reject) from the site actor."""
    paths = SitePaths(settings.site_url)
    review = open_review_queue(settings, on_event_loop=True)
    objects = SiteObjects(settings.output_dir, settings.site_url)

    async def fetch_actor(actor: str) -> dict[str, Any] | None:
        try:
            return (await fetcher.fetch(actor)).document
        except FetchError as error:
            logger.info("could not fetch %s to show who it is: %s", actor, error)
            return None

    async def answer(author: Author, activity: dict[str, Any]) -> None:
        """Send a quote's answer from the site actor to `author`'s inbox (fetched once more only when not known)."""
        if not author.inbox:
            author = author_from_actor(author.actor, await fetch_actor(author.actor))
        if author.inbox:
            await send(settings.site_actor, author.inbox, activity)

    def may_quote(quoted_id: str, actor: str) -> bool:
        key = objects.resource_of(quoted_id)
        if key is None:
            return False
        collection = key.split("/", 1)[0]
        policy = objects.quote_policy(quoted_id, paths.followers(collection))
        return policy == "everyone" or (
            policy == "followers" and storage.followers.follow_of(collection, actor) is not None
        )

    def auto_approve(reply: Interaction) -> bool:
        """A reply approved by the settings: never in a classroom collection; else from a listed server, or from a
        follower of the collection or of the site when the settings say so."""
        collection = (reply.resource or "").split("/", 1)[0]
        if not collection or objects.approves_followers(paths.actor(collection)):
            return False
        if host_of(reply.actor) in settings.approve_replies_from_servers:
            return True
        follows = storage.followers.follow_of
        return settings.approve_replies_from_followers and any(
            follows(name, reply.actor) is not None for name in (collection, settings.site_actor)
        )

    desk = InteractionDesk(review, settings.site_url, paths.actor(settings.site_actor), fetch_actor, answer,
                           may_quote=may_quote, auto_approve=auto_approve)  # fmt: skip
    inbox.knows_actor = review.knows_actor
    install(inbox, desk, objects, fetcher)
    return Community(review, objects, desk, paths.actor(settings.site_actor))
