"""The followable searches' federation, beside the index's own actor: their storage (followers, processed ids and a
delivery queue in `searches.sqlite3`, the toolkit's stores), their inbox (the toolkit's `Inbox`: Follow and Undo
built in, answered with an Accept from the search's actor), the worker that delivers their Announces, and the HTTP
endpoints of their actors:

    GET  /searches/{handle}            the actor (a Service)        POST /searches/{handle}/inbox   Follow, Undo
    GET  /searches/{handle}/followers  how many follow it           GET  /searches/{handle}/outbox  empty
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lectern.discovery_index.search_actors import SEARCHES_FILE, SearchActors
from lectern.discovery_index.search_announcer import SearchAnnouncer
from lectern.discovery_index.storage import IndexStore
from lectern.federation_shim import (
    ACTIVITY_JSON,
    LOOP_BUSY_TIMEOUT,
    MAX_BODY,
    DeliveryWorker,
    Inbox,
    InboxClient,
    KeyCache,
    OutgoingActivity,
    RemoteFetcher,
    ShimStorage,
    TargetURI,
    activity_body,
    followers_document,
    headers_from_pairs,
    json_error,
    read_body,
    sqlite_storage,
    target_uri,
)


@dataclass
class SearchFederation:
    actors: SearchActors
    storage: ShimStorage
    inbox: Inbox
    worker: DeliveryWorker
    announcer: SearchAnnouncer
    public_key_pem: str
    index_name: str
    public_url: str

    def close(self) -> None:
        self.worker.close()
        self.storage.close()
        self.actors.close()


def open_search_federation(
    config: Any, store: IndexStore, fetcher: RemoteFetcher, client: InboxClient, key: RSAPrivateKey, public_pem: str
) -> SearchFederation:
    """`config` is the index's IndexConfig (public_url, instance_dir, name)."""
    actors = SearchActors.open(config.public_url, config.instance_dir)
    storage = sqlite_storage(config.instance_dir / SEARCHES_FILE, busy_timeout=LOOP_BUSY_TIMEOUT)
    worker = DeliveryWorker(storage.deliveries, key, actors.key_id, client, storage.followers)

    async def send(name: str, inbox_url: str, activity: dict[str, Any]) -> None:
        outgoing = OutgoingActivity(str(activity["id"]), str(activity["type"]), name, activity_body(activity))
        storage.deliveries.enqueue(outgoing, [inbox_url], time.time())
        worker.wake.set()

    inbox = Inbox(storage, KeyCache(fetcher, store=store.keys), fetcher, send, actor_id=actors.actor_id)
    announcer = SearchAnnouncer(actors, storage, store, worker.wake.set)
    return SearchFederation(actors, storage, inbox, worker, announcer, public_pem, config.name, config.public_url)


def federation_of(request: Request) -> SearchFederation:
    federation: SearchFederation = request.app.state.service.searches
    return federation


async def search_actor_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    handle = request.path_params["handle"]
    query = federation.actors.query(handle)
    if query is None:
        return json_error(404, "unknown_search", f"there is no followable search {handle!r} here")
    document = federation.actors.actor(handle, query, federation.index_name, federation.public_key_pem)
    return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Cache-Control": "public, max-age=300"})


async def search_inbox_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    if federation.actors.query(request.path_params["handle"]) is None:
        return json_error(404, "unknown_search", "there is no such followable search here")
    body = await read_body(request)
    if body is None:
        return json_error(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
    public = TargetURI.parse(federation.public_url)
    headers = headers_from_pairs(request.headers.raw)
    headers["host"] = public.authority
    result = await federation.inbox.receive(
        federation.actors, request.method, target_uri(request, public), headers, body
    )
    if result.follow_up is not None:
        await result.follow_up()  # queues the Accept (the worker sends it)
    return JSONResponse(result.body(), status_code=result.status, headers=result.headers())


async def search_followers_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    handle = request.path_params["handle"]
    if federation.actors.query(handle) is None:
        return json_error(404, "unknown_search", "there is no such followable search here")
    url = f"{federation.actors.actor_id(handle)}/followers"
    document = followers_document(federation.storage.followers, url, handle, False)
    return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Cache-Control": "no-cache"})


async def search_outbox_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    handle = request.path_params["handle"]
    url = f"{federation.actors.actor_id(handle)}/outbox"
    document = {"@context": "https://www.w3.org/ns/activitystreams", "id": url, "type": "OrderedCollection",
                "totalItems": 0, "orderedItems": []}  # fmt: skip
    return JSONResponse(document, media_type=ACTIVITY_JSON)


async def deliver_searches(federation: SearchFederation, stop: asyncio.Event) -> None:
    await federation.worker.run(until_idle=False, stop=stop)
