"""The checks every inbox makes before it looks at what an activity says, in Mastodon's order; shared by the shim's
inbox and the discovery index's, so hostile input meets the same rules everywhere.

    0. a JSON content type (415): application/activity+json, application/ld+json (any profile but a foreign one), or
       application/json for compatibility (`media_types.is_inbox_content_type`)
    1. JSON within bounds (400, `json_body`) with an id, a type and an actor (400); the id and the actor must be
       absolute http(s) URLs (`web_urls`), so nothing unusable reaches a fetch, SQLite or an answer
    2. the caller's refusal of a sender before any fetch (403, e.g. a blocked domain)
    3. a Delete from an actor never known: 202, no fetch (Mastodon does the same: the actor is gone anyway)
    4. the HTTP signature (400 for a malformed digest, 401 otherwise; 503 with Retry-After when the key could not be
       fetched for a temporary reason or its host was asked too often: `signature_result.http_status`)
    5. the key's owner is the activity's actor (401; a keyId on another host than the actor is refused before any
       fetch, since a key is only accepted on its owner's host)
    6. the same activity id twice: 202, processed once

`admit` returns the activity when it passed, or the `InboxResult` to answer with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lectern.federation_shim.http_signatures import verify_request
from lectern.federation_shim.json_body import BadJSON, parse_json
from lectern.federation_shim.keys import KeyLookup
from lectern.federation_shim.media_types import is_inbox_content_type
from lectern.federation_shim.request_view import TargetURI
from lectern.federation_shim.signature_result import activity_actor_id, check_signer_is_actor, http_status
from lectern.federation_shim.web_urls import authority_of, web_url_problem

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # the largest activity an inbox reads, in bytes


@dataclass(frozen=True)
class InboxResult:
    status: int
    reason: str
    detail: str
    follow_up: Callable[[], Any] | None = None
    retry_after: int | None = None  # seconds, for a Retry-After header on a temporary refusal

    def body(self) -> dict[str, str]:
        return {"status": "accepted" if self.status < 300 else "error", "reason": self.reason, "detail": self.detail}

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None


@dataclass(frozen=True)
class Admitted:
    """An activity that passed every check: parsed, signed by its own actor, not seen before."""

    activity: dict[str, Any]
    id: str
    type: str
    actor: str


async def admit(
    method: str,
    target_uri: str | TargetURI,
    headers: dict[str, str],
    body: bytes,
    *,
    key_lookup: KeyLookup,
    is_known_actor: Callable[[str], bool],
    was_processed: Callable[[str], bool],
    refuse_sender: Callable[[dict[str, Any], str, dict[str, str]], InboxResult | None] = lambda *_: None,
) -> Admitted | InboxResult:
    content_type = headers.get("content-type")
    if not is_inbox_content_type(content_type):
        sent = content_type[:100] if content_type else "no Content-Type"
        return InboxResult(415, "unsupported_media_type", f"send application/activity+json, not {sent}")
    try:
        activity = parse_json(body)
    except BadJSON as error:
        return InboxResult(400, error.reason, error.detail)
    if not isinstance(activity, dict):
        return InboxResult(400, "invalid_activity", "the body is not a JSON object")
    activity_id, kind, actor = activity.get("id"), activity.get("type"), activity_actor_id(activity)
    if not isinstance(activity_id, str) or not isinstance(kind, str) or actor is None:
        return InboxResult(400, "invalid_activity", "an activity needs an id, a type and an actor")
    problem = web_url_problem(activity_id)
    if problem is not None:
        return InboxResult(400, "invalid_activity", f"the activity's id is not an absolute http(s) URL: {problem}")
    try:
        actor_host = authority_of(actor)
    except ValueError as error:
        return InboxResult(400, "invalid_activity", f"the activity's actor: {error}")
    if len(kind) > 200:
        return InboxResult(400, "invalid_activity", "the activity's type is longer than 200 characters")
    refused = refuse_sender(activity, actor, headers)
    if refused is not None:
        return refused
    if kind == "Delete" and not is_known_actor(actor):
        return InboxResult(202, "unknown_actor", "a Delete from an actor never known here: nothing to do")

    verdict = await verify_request(
        method=method,
        target_uri=target_uri,
        headers=headers,
        body=body,
        now=datetime.now(UTC),
        key_lookup=key_lookup,
        signer_host=actor_host,
    )
    verdict = check_signer_is_actor(verdict, activity)
    if not verdict.ok:
        logger.info("refused %s %s: %s (%s)", kind, activity_id, verdict.reason, verdict.detail)
        return InboxResult(http_status(verdict), str(verdict.reason), verdict.detail, retry_after=verdict.retry_after)
    if was_processed(activity_id):
        return InboxResult(202, "duplicate", f"{activity_id} was already processed")
    return Admitted(activity, activity_id, kind, actor)
