"""When a server enables `data_sharing`, the index asks it for content, and stops asking when it is turned off (FASP
v0.1, `discovery/data_sharing/v0.1/data_sharing.md`: "Managing Subscriptions", "Requesting Historic Content"):

- on activation: a `lifecycle` event subscription for `content` and for `account` (`POST <faspBaseUrl>/data_sharing/
  v0/event_subscriptions`, answered 201 `{"subscription": {"id": ...}}`), and a backfill request for each
  (`POST .../backfill_requests`, answered 201 `{"backfillRequest": {"id": ...}}` by Mastodon, `{"backfillRequestId":
  ...}` in the spec's example); the ids are kept (`fasp_servers.RemoteRequest`);
- after each backfill answer (an announcement whose `source` is our `backfillRequest`): the next part, unless the
  server said `moreObjectsAvailable: false`: with the announcement's `cursor`, a new backfill request carrying it (the
  spec's way); without one, `POST .../backfill_requests/<id>/continuation` (Mastodon's way,
  `Api::Fasp::DataSharing::V0::ContinuationsController`). At most MAX_BACKFILL_ROUNDS parts per request;
- on deactivation: `DELETE .../event_subscriptions/<id>` for each subscription (answered 204), and the backfill
  requests are forgotten, so their later announcements are refused (the capability is off).

Every call is signed with the index's key for that server (keyid its `faspId`, as Mastodon's `Api::Fasp::
BaseController` finds the provider), and every answer must be signed by the server's key over `@status` and
`content-digest` (`verify_response_ed25519`, as Mastodon's own `Fasp::Request#validate!` checks a provider's answers):
an answer that is not is not believed, and the id it carries is not kept.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from lectern.discovery_index.fasp_servers import FaspServer, FaspServers, RemoteRequest
from lectern.federation_shim import InboxClient, sign_message_ed25519, verify_response_ed25519

logger = logging.getLogger(__name__)

CATEGORIES = ("content", "account")
MAX_BATCH = 50
BACKFILL_COUNT = 100
MAX_BACKFILL_ROUNDS = 1000  # 100,000 objects per category and activation; the admin can activate again for more
SUBSCRIPTIONS = "/data_sharing/v0/event_subscriptions"
BACKFILLS = "/data_sharing/v0/backfill_requests"


@dataclass(frozen=True)
class Answer:
    """A server's answer to one call: `status` (0: none), its JSON (None when empty or not JSON), and `problem`, empty
    when the answer is signed by the server and its digest matches."""

    status: int
    payload: Any
    problem: str

    @property
    def trusted(self) -> bool:
        return not self.problem and 200 <= self.status < 300


async def call(poster: InboxClient, server: FaspServer, method: str, path: str, payload: Any = None) -> Answer:
    url = f"{server.base_url}{path}"
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    headers |= sign_message_ed25519(
        body=body, key_id=server.fasp_id, private_key=server.private_key, method=method, target_uri=url
    )
    reply = await poster.call(method, url, headers, body)
    if reply.status == 0:
        return Answer(0, None, reply.detail)
    problem = ""
    if server.server_key is None:
        problem = "the server has no key yet (registration not completed)"
    else:
        check = verify_response_ed25519(
            headers=reply.headers, body=reply.body, key=server.server_key, status=reply.status
        )
        problem = "" if check.ok else f"the answer is not signed by the server: {check.reason} ({check.detail})"
    try:
        answered = json.loads(reply.body) if reply.body else None
    except ValueError:
        answered = None
    logger.info("FASP: %s %s: %s%s", method, url, reply.status, f" ({problem})" if problem else "")
    return Answer(reply.status, answered, problem)


def _created_id(payload: Any, *names: str) -> str:
    """The id in `{"<name>": {"id": X}}` or `{"<name>": X}` for the first of `names` present; '' when none."""
    if not isinstance(payload, dict):
        return ""
    for name in names:
        value = payload.get(name)
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return ""


async def _backfill(
    poster: InboxClient, servers: FaspServers, server: FaspServer, category: str, rounds: int = 1, cursor: str = ""
) -> int:
    payload: dict[str, Any] = {"category": category, "maxCount": BACKFILL_COUNT}
    if cursor:
        payload["cursor"] = cursor
    answer = await call(poster, server, "POST", BACKFILLS, payload)
    remote_id = _created_id(answer.payload, "backfillRequest", "backfillRequestId") if answer.trusted else ""
    if remote_id:
        servers.remember_request(server.server_id, RemoteRequest("backfill", remote_id, category, rounds))
    return answer.status


async def ask_for_content(poster: InboxClient, servers: FaspServers, server: FaspServer) -> list[int]:
    """Subscribe to lifecycle events and request a backfill, for content and accounts; the statuses answered
    (201 each when the server accepted)."""
    statuses = []
    for category in CATEGORIES:
        subscription = {"category": category, "subscriptionType": "lifecycle", "maxBatchSize": MAX_BATCH}
        answer = await call(poster, server, "POST", SUBSCRIPTIONS, subscription)
        remote_id = _created_id(answer.payload, "subscription") if answer.trusted else ""
        if remote_id:
            servers.remember_request(server.server_id, RemoteRequest("subscription", remote_id, category))
        statuses.append(answer.status)
    for category in CATEGORIES:
        statuses.append(await _backfill(poster, servers, server, category))
    return statuses


async def stop_asking(poster: InboxClient, servers: FaspServers, server: FaspServer) -> list[int]:
    """Unsubscribe from every event subscription and forget the backfill requests; the statuses answered (204 each).
    A subscription is forgotten whatever the answer: the capability is off, so its announcements are refused."""
    statuses = []
    for subscription in servers.requests(server.server_id, "subscription"):
        answer = await call(poster, server, "DELETE", f"{SUBSCRIPTIONS}/{subscription.remote_id}")
        statuses.append(answer.status)
        servers.forget_request(server.server_id, subscription)
    for backfill in servers.requests(server.server_id, "backfill"):
        servers.forget_request(server.server_id, backfill)
    return statuses


async def continue_backfill(
    poster: InboxClient, servers: FaspServers, server: FaspServer, remote_id: str, cursor: str
) -> int | None:
    """After an announcement answering our backfill request `remote_id` that did not say `moreObjectsAvailable:
    false`: ask for the next part (`cursor`: the announcement's, or ''). None when `remote_id` is not a request of
    ours or its rounds are used up."""
    known = servers.request(server.server_id, "backfill", remote_id)
    if known is None or known.rounds >= MAX_BACKFILL_ROUNDS:
        return None
    if cursor:
        servers.forget_request(server.server_id, known)
        return await _backfill(poster, servers, server, known.category, known.rounds + 1, cursor)
    answer = await call(poster, server, "POST", f"{BACKFILLS}/{remote_id}/continuation")
    if answer.trusted:
        servers.remember_request(
            server.server_id, RemoteRequest("backfill", remote_id, known.category, known.rounds + 1)
        )
    return answer.status
