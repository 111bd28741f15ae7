"""The index as a Fediverse Auxiliary Service Provider (FASP v0.1, mastodon/fediverse_auxiliary_service_provider_
specifications; Mastodon's client is `app/lib/fasp/request.rb`, behind `EXPERIMENTAL_FASP`). The index's public URL is
its FASP base URL:

    GET    /provider_info                                    name, privacy policy, capabilities (`provider_info.md`)
    POST   /capabilities/{id}/{version}/activation           204, or 404 for a capability not offered; DELETE: 204
                                                             (data_sharing: then subscribes, and unsubscribes on
                                                             DELETE, see `fasp_subscribing`)
    GET    /account_search/v0/search?term=&limit=&offset=    actor ids, best first; `Link: <...>; rel="next"`
    POST   /data_sharing/v0/announcements                    URIs the server allows to be indexed (`fasp_ingest`);
                                                             a backfill answer is followed by a request for more
    POST   /_index/fasp/servers {"url": ...}                 register a server (admin token); GET lists them

Every FASP request must carry a `Content-Digest` and an Ed25519 RFC 9421 signature whose keyid is the `serverId` the
index gave the server (`fasp_servers`); anything else is answered 401 with a JSON reason. Every answer to a registered
server is signed (`@status` and `content-digest`, keyid the `faspId`), as `general/v0.1/protocol_basics.md` requires.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lectern.discovery_index.errors import SourceError
from lectern.discovery_index.fasp_ingest import AnnouncementIngester, BadAnnouncement, parse_announcement
from lectern.discovery_index.fasp_registration import register_server
from lectern.discovery_index.fasp_servers import FaspServer, FaspServers
from lectern.discovery_index.fasp_subscribing import ask_for_content, continue_backfill, stop_asking
from lectern.discovery_index.records import CollectionRecord
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import (
    MAX_BODY,
    BadJSON,
    InboxClient,
    RemoteFetcher,
    TargetURI,
    parse_json,
    read_body,
    sign_message_ed25519,
    target_uri,
    verify_message_ed25519,
)

CAPABILITIES = {"account_search": "0.1", "data_sharing": "0.1"}
MAX_SEARCH_LIMIT = 80
MAX_SEARCH_OFFSET = 1000


@dataclass
class FaspProvider:
    """What the FASP endpoints share; made in the app's lifespan."""

    name: str
    public_url: str
    servers: FaspServers
    store: IndexStore
    fetcher: RemoteFetcher
    poster: InboxClient
    ingester: AnnouncementIngester
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Calls to the server happen after the answer to its own call: it awaits that answer (an activation, an
        announcement) before it handles ours."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def provider_of(request: Request) -> FaspProvider:
    provider: FaspProvider = request.app.state.fasp
    return provider


def fasp_error(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": reason, "detail": detail}, status_code=status)


def signed(server: FaspServer, status: int, payload: Any = None, headers: dict[str, str] | None = None) -> Response:
    """An answer signed for `server`: `@status` and `content-digest`, keyid the faspId the server knows the index by."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    added = sign_message_ed25519(body=body, key_id=server.fasp_id, private_key=server.private_key, status=status)
    media = None if payload is None else "application/json"
    return Response(body, status_code=status, media_type=media, headers={**(headers or {}), **added})


async def verified(request: Request) -> tuple[FaspServer, bytes] | Response:
    provider = provider_of(request)
    body = await read_body(request)
    if body is None:
        return fasp_error(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
    keys = {s.server_id: s.server_key for s in provider.servers.all() if s.server_key is not None}
    check = verify_message_ed25519(
        headers=dict(request.headers),
        body=body,
        key_for=keys,
        method=request.method,
        target_uri=target_uri(request, TargetURI.parse(provider.public_url)).uri,
    )
    if not check.ok:
        return fasp_error(401, check.reason, check.detail)
    server = provider.servers.get(check.key_id)
    assert server is not None  # its key was just found
    return server, body


async def provider_info(request: Request) -> Response:
    answer = await verified(request)
    if isinstance(answer, Response):
        return answer
    provider = provider_of(request)
    return signed(
        answer[0],
        200,
        {
            "name": provider.name,
            "privacyPolicy": [],  # search terms and public URIs only: no personal data is received
            "capabilities": [{"id": cid, "version": version} for cid, version in CAPABILITIES.items()],
            "signInUrl": f"{provider.public_url}/",
        },
    )


async def capability_activation(request: Request) -> Response:
    answer = await verified(request)
    if isinstance(answer, Response):
        return answer
    server, _ = answer
    capability, version = request.path_params["capability"], request.path_params["version"]
    offered = CAPABILITIES.get(capability)
    provider = provider_of(request)
    if request.method == "DELETE":
        was_on = capability in provider.servers.capabilities(server.server_id)
        provider.servers.set_capability(server.server_id, capability, version, False)
        if capability == "data_sharing" and was_on:
            provider.in_background(stop_asking(provider.poster, provider.servers, server))
        return signed(server, 204)
    if offered is None or offered.split(".")[0] != version.split(".")[0]:
        return signed(
            server,
            404,
            {"status": "error", "reason": "unknown_capability", "detail": f"{capability} {version} is not offered"},
        )
    was_on = capability in provider.servers.capabilities(server.server_id)
    provider.servers.set_capability(server.server_id, capability, version, True)
    if capability == "data_sharing" and not was_on:
        provider.in_background(ask_for_content(provider.poster, provider.servers, server))
    return signed(server, 204)


def _matches(collection: CollectionRecord, words: list[str]) -> int:
    """How well an actor matches: each word in the handle or name counts 2, in the summary or tags 1; 0: no match."""
    strong = f"{collection.handle} {collection.name}".casefold()
    weak = f"{collection.summary} {' '.join(collection.tags)} {collection.curator}".casefold()
    score = 0
    for word in words:
        if word in strong:
            score += 2
        elif word in weak:
            score += 1
        else:
            return 0
    return score


def _whole(raw: str | None, default: int, upper: int) -> int | None:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        return None
    return min(int(raw), upper)


async def account_search(request: Request) -> Response:
    """`discovery/account_search/v0.1/account_search.md`: the actors matching `term` that consent (not `indexable:
    false`), best first; 422 without a term; a `Link` header with rel="next" when more remain."""
    answer = await verified(request)
    if isinstance(answer, Response):
        return answer
    server, _ = answer
    term = request.query_params.get("term", "").strip()
    if not term:
        return signed(server, 422, {"status": "error", "reason": "missing_term", "detail": "term is required"})
    limit = _whole(request.query_params.get("limit"), 20, MAX_SEARCH_LIMIT)
    offset = _whole(request.query_params.get("offset"), 0, MAX_SEARCH_OFFSET)
    if not limit or offset is None:
        detail = f"limit must be 1 to {MAX_SEARCH_LIMIT}, offset 0 to {MAX_SEARCH_OFFSET}, in ASCII digits"
        return signed(server, 422, {"status": "error", "reason": "invalid_parameter", "detail": detail})
    words = term.casefold().split()[:10]
    scored = [
        (_matches(s.collection, words), s.resources, s.collection.actor_id)
        for s in provider_of(request).store.collections()
        if s.collection.may_be_indexed
    ]
    ranked = [actor for score, _, actor in sorted((t for t in scored if t[0]), key=lambda t: (-t[0], -t[1], t[2]))]
    page = ranked[offset : offset + limit]
    headers = {}
    if offset + limit < len(ranked) and offset + limit <= MAX_SEARCH_OFFSET:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        headers["Link"] = f'<{provider_of(request).public_url}{nxt.path}?{nxt.query}>; rel="next"'
    return signed(server, 200, page, headers)


async def announcements(request: Request) -> Response:
    """`discovery/data_sharing/v0.1/data_sharing.md`, "Sending Content": only from a server that enabled
    data_sharing; the URIs are fetched and indexed with their creators' consent (`fasp_ingest`)."""
    answer = await verified(request)
    if isinstance(answer, Response):
        return answer
    server, body = answer
    provider = provider_of(request)
    if "data_sharing" not in provider.servers.capabilities(server.server_id):
        return signed(
            server, 403, {"status": "error", "reason": "capability_disabled", "detail": "enable data_sharing first"}
        )
    try:
        announcement = parse_announcement(parse_json(body))
    except BadJSON:
        return signed(server, 400, {"status": "error", "reason": "invalid_json", "detail": "send a JSON object"})
    except BadAnnouncement as problem:
        return signed(server, 422, {"status": "error", "reason": "invalid_announcement", "detail": str(problem)})
    report = await provider.ingester.apply(announcement)
    if announcement.backfill_id and announcement.more:
        provider.in_background(
            continue_backfill(provider.poster, provider.servers, server, announcement.backfill_id, announcement.cursor)
        )
    return signed(server, 200, asdict(report))


async def register_endpoint(request: Request, payload: dict[str, Any]) -> Response:
    """Called by the app's admin endpoint once the token is checked."""
    provider = provider_of(request)
    url = payload.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return fasp_error(422, "invalid_url", 'send {"url": "https://your.server"}')
    try:
        done = await register_server(
            provider.servers, provider.fetcher, provider.poster, url, provider.name, provider.public_url
        )
    except SourceError as problem:
        return fasp_error(422, "registration_failed", str(problem))
    return JSONResponse(asdict(done), status_code=201)


def servers_json(provider: FaspProvider) -> list[dict[str, Any]]:
    return [
        {
            "server_id": s.server_id,
            "base_url": s.base_url,
            "fasp_id": s.fasp_id,
            "fingerprint": s.fingerprint,
            "capabilities": provider.servers.capabilities(s.server_id),
            "subscriptions": [r.remote_id for r in provider.servers.requests(s.server_id, "subscription")],
            "backfills": [asdict(r) for r in provider.servers.requests(s.server_id, "backfill")],
        }
        for s in provider.servers.all()
    ]
