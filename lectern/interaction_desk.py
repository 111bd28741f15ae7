"""Where the inbox hands what is not a follow: replies, mentions, likes, boosts, quote requests and reports.

The inbox has verified the signature and that the signer is the actor (`federation_shim.admission`); the desk reads
what the activity means (`lectern.interactions`), keeps only what concerns our resources and actors, limits how much
one server may put in the review queue per minute (`PER_HOST_PER_MINUTE`; beyond it, 429 with Retry-After: the sender
retries later, as Mastodon's DeliveryWorker does, and nothing already accepted is lost), asks the author's server who
the author is (name, handle, avatar, for the page), and stores it in the review queue. A quote request is accepted at
once (`quote_accept`), as FEP-044f describes and the Note's `interactionPolicy` promises.

Every answer is an `InboxResult`: 202 with what happened, 403 when the signer claims someone else's words or undoes
someone else's activity, 429 when a server sends too much at once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from lectern.federation_shim import InboxResult, host_of, id_of, is_web_url, timestamp
from lectern.interactions import Interaction, OurObjects, Refused, Retraction, Revision, Unrelated, read_activity
from lectern.review_queue import Author, ReviewQueue, new_item

logger = logging.getLogger(__name__)

PER_HOST_PER_MINUTE = 60
ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
QUOTE_CONTEXT = {
    # the terms Mastodon uses for FEP-044f (app/helpers/context_helper.rb: quote_requests, quote_authorizations)
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
    "gts": "https://gotosocial.org/ns#",
    "interactingObject": {"@id": "gts:interactingObject"},
    "interactionTarget": {"@id": "gts:interactionTarget"},
}

FetchActor = Callable[[str], Awaitable[dict[str, Any] | None]]
SendReply = Callable[[Author, dict[str, Any]], Awaitable[None]]  # (to whom, as known so far; activity)


def author_from_actor(actor: str, document: dict[str, Any] | None) -> Author:
    """Who `actor` is, from its actor document (None: unknown, the id alone)."""
    if not document:
        return Author(actor)
    username = document.get("preferredUsername")
    host = host_of(actor)
    handle = f"@{username}@{host}" if isinstance(username, str) and username and host else ""
    name = document.get("name") if isinstance(document.get("name"), str) else ""
    url = document.get("url")
    if isinstance(url, list):
        url = next((u for u in url if isinstance(u, str)), None)
    icon = document.get("icon")
    avatar = icon.get("url") if isinstance(icon, dict) else None
    inbox = document.get("inbox")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return Author(
        actor,
        (name or (username if isinstance(username, str) else ""))[:200],
        handle[:200],
        url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
        avatar if isinstance(avatar, str) and avatar.startswith(("https://", "http://")) else "",
        inbox if isinstance(inbox, str) and is_web_url(inbox) else "",
        shared if isinstance(shared, str) and is_web_url(shared) else "",
    )


def stamp_id(site_url: str, quote_request_id: str) -> str:
    """The id of the QuoteAuthorization for one accepted QuoteRequest (served by the shim: `quote_stamp`)."""
    digest = hashlib.sha256(quote_request_id.encode()).hexdigest()[:32]
    return f"{site_url}/ap/quote-stamps/{digest}"


def quote_stamp(site_url: str, interaction: Interaction, author_actor: str, quoted_id: str) -> dict[str, Any]:
    """The FEP-044f `QuoteAuthorization`: `author_actor` allows the post `interaction.post_id` to quote `quoted_id`.
    Mastodon fetches it from its id to check the quote (attributedTo, interactingObject, interactionTarget)."""
    return {
        "@context": [ACTIVITYSTREAMS, QUOTE_CONTEXT],
        "id": stamp_id(site_url, interaction.activity_id),
        "type": "QuoteAuthorization",
        "attributedTo": author_actor,
        "interactingObject": interaction.post_id,
        "interactionTarget": quoted_id,
    }


def quote_accept(site_url: str, request: dict[str, Any], author_actor: str) -> dict[str, Any]:
    """The Accept of a QuoteRequest, embedding the request and naming the stamp as its `result` (FEP-044f; Mastodon's
    app/serializers/activitypub/accept_quote_request_serializer.rb)."""
    digest = hashlib.sha256(str(request.get("id")).encode()).hexdigest()[:24]
    return {
        "@context": [ACTIVITYSTREAMS, QUOTE_CONTEXT],
        "id": f"{author_actor}#accepts/quote-requests/{digest}",
        "type": "Accept",
        "actor": author_actor,
        "object": _request_summary(request),
        "result": stamp_id(site_url, str(request.get("id"))),
    }


def quote_reject(request: dict[str, Any], author_actor: str) -> dict[str, Any]:
    """The Reject of a QuoteRequest the Note's policy does not allow (FEP-044f; Mastodon's
    app/serializers/activitypub/reject_quote_request_serializer.rb answers the same way)."""
    digest = hashlib.sha256(str(request.get("id")).encode()).hexdigest()[:24]
    return {
        "@context": [ACTIVITYSTREAMS, QUOTE_CONTEXT],
        "id": f"{author_actor}#rejects/quote-requests/{digest}",
        "type": "Reject",
        "actor": author_actor,
        "object": _request_summary(request),
    }


def _request_summary(request: dict[str, Any]) -> dict[str, Any]:
    instrument = request.get("instrument")
    return {
        "id": request.get("id"),
        "type": "QuoteRequest",
        "actor": request.get("actor"),
        "object": request.get("object") if isinstance(request.get("object"), str) else id_of(request.get("object")),
        "instrument": instrument.get("id") if isinstance(instrument, dict) else instrument,
    }


class InteractionDesk:
    def __init__(
        self,
        queue: ReviewQueue,
        site_url: str,
        site_actor_id: str,
        fetch_actor: FetchActor,
        send: SendReply,
        *,
        per_host_per_minute: int = PER_HOST_PER_MINUTE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        may_quote: Callable[[str, str], bool] = lambda quoted_id, actor: True,
        auto_approve: Callable[[Interaction], bool] = lambda reply: False,
    ) -> None:
        """`may_quote(quoted_id, actor)`: whether the Note's quote policy lets `actor` quote it (lectern.site_objects
        reads the policy the published Note states)."""
        self.may_quote = may_quote
        self.auto_approve = auto_approve  # a reply approved by the settings (lectern.community_inbox says which)
        self.queue = queue
        self.site_url = site_url
        self.site_actor_id = site_actor_id  # the author of every resource: it accepts quote requests
        self.fetch_actor = fetch_actor
        self.send = send
        self.per_host_per_minute = per_host_per_minute
        self.clock = clock

    async def take(self, activity: dict[str, Any], actor: str, ours: OurObjects) -> InboxResult:
        reading = read_activity(activity, actor, ours)
        if isinstance(reading, Unrelated):
            return InboxResult(202, "ignored", reading.reason)
        if isinstance(reading, Refused):
            logger.info("refused %s %s from %s: %s", activity.get("type"), activity.get("id"), actor, reading.reason)
            return InboxResult(403, "not_yours", reading.reason)
        if isinstance(reading, Retraction):
            touched = self.queue.retract(actor, reading.retracted)
            return InboxResult(202, "retracted", f"{touched} item(s) taken back")
        if isinstance(reading, Revision):
            touched = self.queue.revise(actor, reading.post_id, reading.html)
            return InboxResult(202, "revised", f"{touched} item(s) edited")
        now = self.clock()
        host = host_of(actor)
        since = timestamp(now - timedelta(minutes=1))
        if self.queue.received_from_host_since(host, since) >= self.per_host_per_minute:
            logger.info("rate-limited %s from %s", activity.get("type"), host)
            return InboxResult(429, "rate_limited", f"{host} sent too much in the last minute", retry_after=60)
        if reading.kind == "quote" and not self.may_quote(str(id_of(activity.get("object"))), actor):
            refusal = quote_reject(activity, self.site_actor_id)
            return InboxResult(
                202,
                "quote_rejected",
                "this resource may not be quoted",
                follow_up=partial(self.send, Author(actor), refusal),
            )
        author = author_from_actor(actor, await self.fetch_actor(actor)) if reading.kind != "like" else Author(actor)
        item = new_item(reading, author, timestamp(now))
        approved = reading.kind == "reply" and self.auto_approve(reading)
        if approved:
            item = replace(item, status="approved", unwritten=True)
        if not self.queue.add(item):
            return InboxResult(202, "duplicate", f"{reading.activity_id} was already received")
        if approved:
            return InboxResult(202, "reply", "the reply is approved by the site's settings; it appears after review")
        logger.info("%s %s on %s from %s", reading.kind, reading.activity_id, reading.resource, actor)
        if reading.kind == "quote":
            accept = quote_accept(self.site_url, activity, self.site_actor_id)
            return InboxResult(
                202, "quote_accepted", "the quote is allowed", follow_up=partial(self.send, author, accept)
            )
        waits = "counted" if reading.kind in ("like", "boost") else "waits for the curator's review"
        return InboxResult(202, reading.kind, f"the {reading.kind} {waits}")
