"""The inbox: every POST is checked, in this order, before anything is stored (ActivityPub 7; Mastodon's rules).

    1. body size (413), a JSON content type (415) and JSON within bounds (400)   -- at most MAX_BODY bytes are read
    2. an activity with an id, a type, an actor; id and actor absolute http(s) URLs (400)
    3. a blocked domain (403)                   -- before any fetch
    4. a Delete from an actor we never knew: 202, no fetch (Mastodon does the same: the actor is gone anyway)
    5. the HTTP signature (401; 400 for a malformed digest; 503 with Retry-After when the key could not be fetched
       for a temporary reason or its host was asked for too many keys lately)
    6. the key's owner is the activity's actor (401)
    7. the same activity id twice: 202, processed once
    8. Follow / Undo(Follow) / Delete(actor); anything else: 202, ignored

Check 7 is made twice: by `admit` (cheap, answers most redeliveries), and atomically by the follower store, which
claims the activity id in the transaction of its effect (`storage.FollowerStore`): of N copies of one activity
arriving at once, only the one whose claim was stored sends an Accept; the others answer 202 duplicate. A write the
database cannot take now (busy, full disk) raises `StorageUnavailable`, which the app answers with 503 and Retry-After.

Checks 2 to 7 are `federation_shim.admission.admit`, which the discovery index's inbox shares. Step 8 is a handler
per activity type: Follow, Undo and Delete are built in (on the followers store passed in); an app adds or replaces
one with `Inbox.on("Like", handler)`. The outcome is a value (`InboxResult`); the app turns it into an HTTP answer
with a JSON reason (`federation_shim.asgi` for a Starlette app).

The inbox knows nothing of how an app names its actors: `actors` (anything with `name_of_actor(actor_id)`) says which
actor a Follow is for, and `actor_id(name)` gives the id an Accept is sent from.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from lectern.federation_shim.activities import accept_follow, id_of
from lectern.federation_shim.admission import Admitted, InboxResult, admit
from lectern.federation_shim.errors import FetchError
from lectern.federation_shim.keys import KeyLookup
from lectern.federation_shim.remote_fetch import RemoteFetcher
from lectern.federation_shim.request_view import TargetURI
from lectern.federation_shim.storage import Follower, ShimStorage
from lectern.federation_shim.timestamps import now_timestamp
from lectern.federation_shim.web_urls import host_of, is_web_url

__all__ = ["ActivityHandler", "Inbox", "LocalActors", "SendActivity", "is_blocked"]

logger = logging.getLogger(__name__)

SendActivity = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # (our actor's name, inbox URL, activity)


class LocalActors(Protocol):
    """The app's actors, as the inbox needs them: which of ours an actor id is, by name."""

    def name_of_actor(self, actor_id: str) -> str | None: ...


ActivityHandler = Callable[[LocalActors, Admitted], Awaitable[InboxResult]]


def is_blocked(host: str, blocked: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in blocked if domain)


class Inbox:
    """Receives activities for an app's actors; see the module docstring for the order of checks."""

    def __init__(
        self,
        storage: ShimStorage,
        key_lookup: KeyLookup,
        fetcher: RemoteFetcher,
        send: SendActivity,
        *,
        actor_id: Callable[[str], str],
        blocked_domains: tuple[str, ...] = (),
        on_verified: Callable[[str], None] | None = None,
        knows_actor: Callable[[str], bool] | None = None,
    ) -> None:
        """`knows_actor`: whether the app knows a remote actor besides its followers (e.g. one whose reply it
        keeps), so that this actor's Delete is verified and handled rather than answered 202 unread (check 4)."""
        self.knows_actor = knows_actor
        self.on_verified = on_verified  # told the host of every verified sender (it is alive: see retry_policy)
        self.followers = storage.followers
        self.database = storage.database
        self.key_lookup = key_lookup
        self.fetcher = fetcher
        self.send = send
        self.actor_id = actor_id
        self.blocked_domains = blocked_domains
        self.handlers: dict[str, ActivityHandler] = {
            "Follow": self._follow,
            "Undo": self._undo,
            "Delete": self._delete,
        }

    def on(self, kind: str, handler: ActivityHandler) -> None:
        """Handle activities of type `kind` with `handler` (after every check); replaces a built-in one."""
        self.handlers[kind] = handler

    async def receive(
        self, actors: LocalActors, method: str, target_uri: str | TargetURI, headers: dict[str, str], body: bytes
    ) -> InboxResult:
        admitted = await admit(
            method,
            target_uri,
            headers,
            body,
            key_lookup=self.key_lookup,
            is_known_actor=self._is_known_actor,
            was_processed=self.followers.was_processed,
            refuse_sender=self._refuse_blocked,
        )
        if isinstance(admitted, InboxResult):
            return admitted
        if self.on_verified is not None:
            self.on_verified(urlsplit(admitted.actor).netloc.lower())
        handler = self.handlers.get(admitted.type)
        if handler is None:
            return InboxResult(202, "ignored", f"{admitted.type} activities are not handled by this site")
        return await handler(actors, admitted)

    def _is_known_actor(self, actor: str) -> bool:
        return self.followers.is_known_actor(actor) or (self.knows_actor is not None and self.knows_actor(actor))

    def _refuse_blocked(self, activity: dict[str, Any], actor: str, headers: dict[str, str]) -> InboxResult | None:
        if not self.blocked_domains:
            return None
        for host in (host_of(actor), host_of(_key_id(headers))):
            if is_blocked(host, self.blocked_domains):
                logger.info("refused %s %s from blocked domain %s", activity.get("type"), activity.get("id"), host)
                return InboxResult(403, "blocked_domain", f"{host} is blocked on this site")
        return None

    async def _follow(self, actors: LocalActors, admitted: Admitted) -> InboxResult:
        follow, actor = admitted.activity, admitted.actor
        target = id_of(follow.get("object"))
        name = actors.name_of_actor(target) if target else None
        if name is None:
            return InboxResult(404, "unknown_actor", f"{target} is not an actor of this site")
        try:
            remote = (await self.fetcher.fetch(actor)).document
        except FetchError as error:
            return InboxResult(503 if error.temporary else 422, "actor_fetch_failed", str(error))
        inbox = remote.get("inbox")
        if not isinstance(inbox, str) or not is_web_url(inbox):  # stored, then delivered to: it must be usable
            return InboxResult(422, "actor_without_inbox", f"{actor} has no inbox to send the Accept to")
        endpoints = remote.get("endpoints")
        shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
        shared = shared if is_web_url(shared) else None
        follower = Follower(
            name, actor, inbox, shared if isinstance(shared, str) else None, str(follow["id"]), now_timestamp()
        )
        if not await self.database.write(partial(self.followers.add_follower, follower, str(follow["id"]))):
            return _duplicate(follow)
        accept = accept_follow(follow, self.actor_id(name))
        logger.info("%s now follows %s", actor, name)
        return InboxResult(
            202,
            "followed",
            f"{actor} follows {name}; an Accept is on its way",
            follow_up=partial(self.send, name, inbox, accept),
        )

    async def _undo(self, actors: LocalActors, admitted: Admitted) -> InboxResult:
        undo, actor = admitted.activity, admitted.actor
        undone = undo.get("object")
        undone_id = id_of(undone)
        if isinstance(undone, dict) and undone.get("type") not in (None, "Follow"):
            return InboxResult(202, "ignored", f"Undo of {undone.get('type')} is not handled by this site")
        follow = self.followers.follow_by_id(undone_id) if undone_id else None
        if follow is None and isinstance(undone, dict):
            name = actors.name_of_actor(id_of(undone.get("object")) or "")
            follow = self.followers.follow_of(name, actor) if name else None
            if follow is not None and id_of(undone.get("actor")) not in (None, actor):
                return InboxResult(403, "not_your_follow", "an actor can only undo its own Follow")
        if follow is None:
            return InboxResult(202, "not_following", "there was no such follow; nothing to undo")
        if follow.follower != actor:
            logger.info("refused Undo %s by %s of a follow by %s", undone_id, actor, follow.follower)
            return InboxResult(403, "not_your_follow", "an actor can only undo its own Follow")
        removal = partial(self.followers.remove_follower, follow.actor, actor, str(undo["id"]))
        if await self.database.write(removal) is None:
            return _duplicate(undo)
        logger.info("%s no longer follows %s", actor, follow.actor)
        return InboxResult(202, "unfollowed", f"{actor} no longer follows {follow.actor}")

    async def _delete(self, actors: LocalActors, admitted: Admitted) -> InboxResult:
        delete, actor = admitted.activity, admitted.actor
        if id_of(delete.get("object")) != actor:
            return InboxResult(202, "ignored", "only the deletion of an actor concerns this site")
        removed = await self.database.write(partial(self.followers.remove_remote_actor, actor, str(delete["id"])))
        if removed is None:
            return _duplicate(delete)
        logger.info("%s deleted itself; %d follow(s) removed", actor, removed)
        return InboxResult(202, "deleted", f"{actor} was removed from {removed} follower list(s)")


def _duplicate(activity: dict[str, Any]) -> InboxResult:
    """The answer to a copy of an activity whose other copy, arriving at the same time, was processed."""
    return InboxResult(202, "duplicate", f"{activity['id']} was already processed")


def _key_id(headers: dict[str, str]) -> str | None:
    """The keyId a request claims (cavage or RFC 9421), for the blocked-domain check before any fetch."""
    signature = headers.get("signature", "")
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "keyId":
            return value.strip('"')
    signature_input = headers.get("signature-input", "")
    marker = 'keyid="'
    if marker in signature_input:
        return signature_input.split(marker, 1)[1].split('"', 1)[0]
    return None
