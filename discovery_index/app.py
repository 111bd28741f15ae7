"""The index service: a Starlette app with its own state (SQLite, or PostgreSQL shared by several index processes:
`config.open_index_store`) and its own actor.

    GET  /, /search?q=...&license=...        the search page (HTML, no JavaScript)
    GET  /api/search?q=&license=&language=&level=&type=&subject=&instance=&limit=&offset=
                                             results, facet counts, highlighted snippets (JSON)
    GET  /sites, /collections[?instance=H]    what is followed (HTML)
    GET  /api/collections[?instance=H], /api/sites (= /api/instances)
    GET  /.well-known/webfinger, /actor, /outbox, /following, /followers       the index as an actor
    POST /inbox                              deliveries from followed actors (verified: see `inbox`)
    POST /_index/sources {"source": ...}     add an instance or an actor      } Authorization: Bearer <token>
    POST /_index/remove {"instance": ...}    remove an instance               } (LECTERN_INDEX_TOKEN or the
    GET  /_index/sources                     what is followed, and how        }  instance folder's admin-token)
    GET  /static/index.css                   the theme's stylesheet and this page's rules
    GET  /provider_info, /account_search/v0/search; POST /data_sharing/v0/announcements, /capabilities/...
                                             the index as a FASP (signed with Ed25519: see `fasp_endpoints`)
    POST /_index/fasp/servers {"url": ...}   register a Fediverse server with the FASP (admin token); GET lists them

Run with `lectern index serve`, or `uvicorn --factory lectern.discovery_index.app:app_from_environment` (configured by
LECTERN_INDEX_URL, LECTERN_INDEX_DIR, ...: see `config`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from lectern.discovery_index.actor import actor_document, empty_collection, webfinger_answer
from lectern.discovery_index.config import IndexConfig, admin_token, make_config, open_index_store
from lectern.discovery_index.discovery import Discoverer
from lectern.discovery_index.errors import SourceError
from lectern.discovery_index.export import export_amb
from lectern.discovery_index.fasp_endpoints import (
    FaspProvider,
    account_search,
    announcements,
    capability_activation,
    provider_info,
    register_endpoint,
    servers_json,
)
from lectern.discovery_index.fasp_ingest import AnnouncementIngester
from lectern.discovery_index.fasp_servers import FASP_FILE, FaspServers
from lectern.discovery_index.follows import Sender
from lectern.discovery_index.inbox import IndexInbox
from lectern.discovery_index.listing_pages import render_collections_page, render_sites_page
from lectern.discovery_index.records import FollowState
from lectern.discovery_index.results_json import instance_json, results_json
from lectern.discovery_index.search_federation import (
    SearchFederation,
    deliver_searches,
    open_search_federation,
    search_actor_endpoint,
    search_followers_endpoint,
    search_inbox_endpoint,
    search_outbox_endpoint,
)
from lectern.discovery_index.search_feed import feed_query, search_feed
from lectern.discovery_index.search_page import render_search_page, stylesheet
from lectern.discovery_index.storage import (
    FACETS,
    MAX_LIMIT,
    MAX_OFFSET,
    CollectionSummary,
    IndexStore,
    SearchQuery,
)
from lectern.discovery_index.subscriptions import Subscriptions
from lectern.federation_shim import (
    EXCEPTION_HANDLERS,
    MAX_BODY,
    BadJSON,
    InboxClient,
    KeyCache,
    RemoteFetcher,
    TargetURI,
    headers_from_pairs,
    parse_json,
    read_body,
    sign_get,
    target_uri,
)
from lectern.keys import load_or_create_private_key, public_key_pem
from lectern.vocabulary import ACTIVITY_JSON, JRD_JSON

logger = logging.getLogger(__name__)

USER_AGENT = "Lectern-discovery-index/0.1"


@dataclass(frozen=True)
class Service:
    """What the handlers share; made in the lifespan, closed with it."""

    config: IndexConfig
    store: IndexStore
    inbox: IndexInbox
    subscriptions: Subscriptions
    actor: dict[str, Any]
    css: str
    css_url: str
    token: str
    searches: SearchFederation


class BadParameter(ValueError):
    pass


def error(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": reason, "detail": detail}, status_code=status)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _number(request: Request, name: str, default: int, upper: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):  # isdigit() alone accepts "²" and "①", which int() refuses
        raise BadParameter(f"{name} must be a whole number from 0 to {upper}, in ASCII digits")
    digits = raw.lstrip("0") or "0"
    return upper if len(digits) > len(str(upper)) else min(int(digits), upper)


def search_query(request: Request) -> SearchQuery:
    filters = {facet: tuple(v for v in request.query_params.getlist(facet) if v) for facet in FACETS}
    return SearchQuery(
        text=request.query_params.get("q", ""),
        filters={facet: values for facet, values in filters.items() if values},
        limit=max(1, _number(request, "limit", 20, MAX_LIMIT)),
        offset=_number(request, "offset", 0, MAX_OFFSET),
    )


async def api_search(request: Request) -> Response:
    try:
        query = search_query(request)
    except BadParameter as problem:
        return error(400, "invalid_parameter", str(problem))
    results = service_of(request).store.search(query)
    return JSONResponse(results_json(query, results), headers={"Access-Control-Allow-Origin": "*"})


async def search_feed_endpoint(request: Request) -> Response:
    service = service_of(request)
    try:
        query = feed_query(search_query(request))
    except BadParameter as problem:
        return error(400, "invalid_parameter", str(problem))
    base = str(request.base_url).rstrip("/")
    body = search_feed(base, service.config.name, query, service.store.search(query))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def search_page(request: Request) -> Response:
    service = service_of(request)
    try:
        query = search_query(request)
    except BadParameter as problem:
        return HTMLResponse(f"<!DOCTYPE html><title>Bad request</title><p>{problem}</p>", status_code=400)
    follow = None
    if query.text.strip() or query.filters:
        followed = frozenset(f.actor for f in service.searches.storage.followers.all_followers())
        handle = service.searches.actors.remember(query, followed)
        follow = (f"@{handle}@{service.config.host}", service.searches.actors.actor_id(handle))
    html = render_search_page(service.config.name, query, service.store.search(query), service.css_url, follow)
    return HTMLResponse(html)


def followed_collections(request: Request) -> list[CollectionSummary]:
    summaries = service_of(request).store.collections(request.query_params.get("instance") or None)
    return [s for s in summaries if s.collection.follow_state in (FollowState.PENDING, FollowState.ACCEPTED)]


async def collections_page(request: Request) -> Response:
    service = service_of(request)
    instance = request.query_params.get("instance") or ""
    page = render_collections_page(service.config.name, followed_collections(request), instance, service.css_url)
    return HTMLResponse(page)


async def sites_page(request: Request) -> Response:
    service = service_of(request)
    return HTMLResponse(render_sites_page(service.config.name, service.store.instances(), service.css_url))


async def api_collections(request: Request) -> Response:
    summaries = followed_collections(request)
    return JSONResponse(
        [
            {
                "id": s.collection.actor_id,
                "handle": s.collection.handle,
                "name": s.collection.name,
                "summary": s.collection.summary,
                "curator": s.collection.curator,
                "url": s.collection.url,
                "instance": s.collection.instance,
                "tags": list(s.collection.tags),
                "indexable": s.collection.indexable,
                "resources": s.resources,
            }
            for s in summaries
        ],
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def api_instances(request: Request) -> Response:
    return JSONResponse(
        [instance_json(summary) for summary in service_of(request).store.instances()],
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def stylesheet_endpoint(request: Request) -> Response:
    return Response(
        service_of(request).css, media_type="text/css", headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )


async def webfinger_endpoint(request: Request) -> Response:
    service = service_of(request)
    resource = request.query_params.get("resource")
    handle = service.searches.actors.handle_from_webfinger(resource, service.config.host)
    if handle is not None:
        return JSONResponse(service.searches.actors.webfinger(handle, service.config.host), media_type=JRD_JSON)
    status, body = webfinger_answer(service.config, resource)
    return JSONResponse(body, status_code=status, media_type=JRD_JSON if status == 200 else None)


def activity_json(document: dict[str, Any]) -> Response:
    return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Cache-Control": "public, max-age=300"})


async def actor_endpoint(request: Request) -> Response:
    return activity_json(service_of(request).actor)


async def collection_endpoint(request: Request) -> Response:
    service = service_of(request)
    name = request.url.path.strip("/")
    total = 0
    if name == "following":
        followed = (FollowState.PENDING, FollowState.ACCEPTED)
        total = sum(1 for s in service.store.collections() if s.collection.follow_state in followed)
    return activity_json(empty_collection(f"{service.config.public_url}/{name}", total))


async def inbox_endpoint(request: Request) -> Response:
    """Verified as addressed to the index's public URL, whatever Host a proxy passed on (as the shim does: see
    `federation_shim.app.target_uri`), so a request signed for another server does not verify here."""
    service = service_of(request)
    body = await read_body(request)
    if body is None:
        return error(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
    public = TargetURI.parse(service.config.public_url)
    headers = headers_from_pairs(request.headers.raw)
    headers["host"] = public.authority
    result = await service.inbox.receive(request.method, target_uri(request, public), headers, body)
    return JSONResponse(result.body(), status_code=result.status, headers=result.headers())


def authorized(request: Request) -> bool:
    offered = request.headers.get("authorization", "")
    return hmac.compare_digest(offered.encode(), f"Bearer {service_of(request).token}".encode())


async def admin_payload(request: Request) -> dict[str, Any] | Response:
    if not authorized(request):
        return error(401, "bad_token", "send Authorization: Bearer <the index's admin token>")
    try:
        payload = parse_json(await request.body())
    except BadJSON:
        return error(400, "invalid_json", "send a JSON object")
    return payload if isinstance(payload, dict) else error(400, "invalid_json", "send a JSON object")


async def add_source_endpoint(request: Request) -> Response:
    payload = await admin_payload(request)
    if isinstance(payload, Response):
        return payload
    try:
        report = await service_of(request).subscriptions.add(str(payload.get("source", "")))
    except SourceError as problem:
        return error(422, "source", str(problem))
    return JSONResponse(asdict(report))


async def remove_source_endpoint(request: Request) -> Response:
    payload = await admin_payload(request)
    if isinstance(payload, Response):
        return payload
    try:
        report = await service_of(request).subscriptions.remove(str(payload.get("instance", "")))
    except SourceError as problem:
        return error(404, "unknown_instance", str(problem))
    return JSONResponse(asdict(report))


async def list_sources_endpoint(request: Request) -> Response:
    if not authorized(request):
        return error(401, "bad_token", "send Authorization: Bearer <the index's admin token>")
    store = service_of(request).store
    return JSONResponse(
        {
            "instances": [instance_json(summary) for summary in store.instances()],
            "collections": [
                {
                    "id": s.collection.actor_id,
                    "handle": s.collection.handle,
                    "instance": s.collection.instance,
                    "follow_state": str(s.collection.follow_state),
                    "indexable": s.collection.indexable,
                    "resources": s.resources,
                }
                for s in store.collections()
            ],
        }
    )


async def fasp_servers_endpoint(request: Request) -> Response:
    if request.method == "GET":
        if not authorized(request):
            return error(401, "bad_token", "send Authorization: Bearer <the index's admin token>")
        return JSONResponse(servers_json(request.app.state.fasp))
    payload = await admin_payload(request)
    return payload if isinstance(payload, Response) else await register_endpoint(request, payload)


def create_app(config: IndexConfig) -> Starlette:
    token = admin_token(config.instance_dir, create=True)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = open_index_store(config)
        key = load_or_create_private_key(config.instance_dir)
        fetcher = RemoteFetcher(
            allow_private_addresses=config.allow_private_addresses,
            signer=lambda url: sign_get(url, key_id=config.key_id, private_key=key),
            user_agent=USER_AGENT,
        )
        poster = InboxClient(allow_private_addresses=config.allow_private_addresses)
        discoverer = Discoverer(fetcher, config.allow_private_addresses)
        subscriptions = Subscriptions(config, store, fetcher, discoverer, Sender(config, poster, key))
        searches = open_search_federation(config, store, fetcher, poster, key, public_key_pem(key))
        inbox = IndexInbox(
            store, KeyCache(fetcher, store=store.keys), fetcher, subscriptions, on_new=searches.announcer.announce_new
        )
        css = stylesheet(config.theme_css)
        css_url = f"/static/index.css?v={hashlib.sha256(css.encode()).hexdigest()[:8]}"
        actor = actor_document(config, public_key_pem(key))
        app.state.service = Service(config, store, inbox, subscriptions, actor, css, css_url, token, searches)
        fasp_servers = FaspServers(config.instance_dir / FASP_FILE)
        ingester = AnnouncementIngester(store, fetcher)
        app.state.fasp = FaspProvider(config.name, config.public_url, fasp_servers, store, fetcher, poster, ingester)
        stop = asyncio.Event()
        delivering = asyncio.create_task(deliver_searches(searches, stop))
        try:
            yield
        finally:
            stop.set()
            searches.worker.wake.set()
            await asyncio.wait([delivering], timeout=10)
            await searches.worker.client.close()
            searches.close()
            fasp_servers.close()
            await fetcher.close()
            await poster.close()
            store.close()

    routes = [
        Route("/", search_page, methods=["GET"]),
        Route("/search", search_page, methods=["GET"]),
        Route("/search.atom", search_feed_endpoint, methods=["GET"]),
        Route("/api/search", api_search, methods=["GET"]),
        Route("/api/collections", api_collections, methods=["GET"]),
        Route("/api/instances", api_instances, methods=["GET"]),
        Route("/api/export/amb", export_amb, methods=["GET"]),
        Route("/api/sites", api_instances, methods=["GET"]),
        Route("/sites", sites_page, methods=["GET"]),
        Route("/collections", collections_page, methods=["GET"]),
        Route("/static/index.css", stylesheet_endpoint, methods=["GET"]),
        Route("/.well-known/webfinger", webfinger_endpoint, methods=["GET"]),
        Route("/actor", actor_endpoint, methods=["GET"]),
        Route("/outbox", collection_endpoint, methods=["GET"]),
        Route("/following", collection_endpoint, methods=["GET"]),
        Route("/followers", collection_endpoint, methods=["GET"]),
        Route("/inbox", inbox_endpoint, methods=["POST"]),
        Route("/searches/{handle}", search_actor_endpoint, methods=["GET"]),
        Route("/searches/{handle}/inbox", search_inbox_endpoint, methods=["POST"]),
        Route("/searches/{handle}/followers", search_followers_endpoint, methods=["GET"]),
        Route("/searches/{handle}/outbox", search_outbox_endpoint, methods=["GET"]),
        Route("/_index/sources", add_source_endpoint, methods=["POST"]),
        Route("/_index/sources", list_sources_endpoint, methods=["GET"]),
        Route("/_index/remove", remove_source_endpoint, methods=["POST"]),
        Route("/_index/fasp/servers", fasp_servers_endpoint, methods=["GET", "POST"]),
        Route("/provider_info", provider_info, methods=["GET"]),
        Route("/capabilities/{capability}/{version}/activation", capability_activation, methods=["POST", "DELETE"]),
        Route("/account_search/v0/search", account_search, methods=["GET"]),
        Route("/data_sharing/v0/announcements", announcements, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)


def app_from_environment() -> Starlette:
    """ASGI factory: `uvicorn --factory lectern.discovery_index.app:app_from_environment` (see `config` for the
    variables)."""
    return create_app(make_config(None, None, "127.0.0.1", 8100, False))
