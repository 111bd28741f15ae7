"""Lectern's federation shim, a Starlette app on the toolkit (`lectern.federation_shim`): WebFinger, the inboxes
and the followers collections.

    GET  /.well-known/webfinger?resource=acct:name@host   JRD for the site actor and each collection
    POST /ap/inbox                                        the shared inbox
    POST /ap/actors/{name}/inbox                          each actor's inbox
    GET  /ap/actors/{name}/followers                      each actor's followers (count only by default)
    POST /_lectern/deliver                                queue the current build's changes for delivery now
                                                          (Authorization: Bearer $LECTERN_DELIVER_TOKEN)

A background task delivers new, changed and removed resources to followers: it notices each new build by itself
(`lectern.delivery_service`).

`lectern serve` adds the static output on the same origin (`serve_static=True`), as a CDN routes it in production.
Run the shim alone behind a CDN with `uvicorn --factory lectern.shim_app:app_from_environment` (settings
file in LECTERN_SETTINGS, default ./pelicanconf.py); it still needs the build output locally, for the WebFinger
index.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from lectern import output_swap
from lectern.community_inbox import Community, open_community
from lectern.delivery_service import NoBuild, make_worker, queue_pending, watch_and_deliver
from lectern.federation_shim import (
    ACTIVITY_JSON,
    EXCEPTION_HANDLERS,
    JRD_JSON,
    MAX_BODY,
    DeliveryWorker,
    Inbox,
    InboxClient,
    InboxResult,
    KeyCache,
    RemoteFetcher,
    ShimStorage,
    TargetURI,
    activity_body,
    followers_document,
    headers_from_pairs,
    post_signed,
    read_body,
    target_uri,
    webfinger,
)
from lectern.keys import load_or_create_private_key
from lectern.settings import Settings, load_settings_from_environment
from lectern.shim_storage import open_shim_storage
from lectern.site_paths import SitePaths
from lectern.site_view import SiteIndex, SiteNotBuilt, SiteView
from lectern.static_site import StaticSite
from lectern.told_record import PlanRecorder, plan_recorder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActivitySender:
    """Sends one activity from one of our actors to one inbox, signed with that actor's key id."""

    settings: Settings
    client: InboxClient
    private_key: RSAPrivateKey

    async def __call__(self, actor_name: str, inbox_url: str, activity: dict[str, Any]) -> None:
        result = await post_signed(
            self.client,
            inbox_url,
            activity_body(activity),
            key_id=SitePaths(self.settings.site_url).key_id(actor_name),
            private_key=self.private_key,
        )
        level = logging.INFO if result.ok else logging.WARNING
        logger.log(
            level,
            "sent %s %s to %s: %s %s",
            activity.get("type"),
            activity.get("id"),
            inbox_url,
            result.status,
            result.detail[:120],
        )


@dataclass(frozen=True)
class Shim:
    """What the request handlers share; created in the app's lifespan, closed with it."""

    settings: Settings
    storage: ShimStorage
    site: SiteView
    inbox: Inbox
    deliveries: PlanRecorder
    worker: DeliveryWorker
    community: Community

    @functools.cached_property
    def site_uri(self) -> TargetURI:
        return TargetURI.parse(self.settings.site_url)


def error(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": reason, "detail": detail}, status_code=status)


def shim_of(request: Request) -> Shim:
    shim: Shim = request.app.state.shim
    return shim


async def webfinger_endpoint(request: Request) -> Response:
    try:
        index = shim_of(request).site.current()
    except SiteNotBuilt as missing:
        return error(503, "not_built", str(missing))
    answer = webfinger(request.query_params.get("resource"), index.host, index.webfinger_accounts)
    return JSONResponse(
        answer.body,
        status_code=answer.status,
        media_type=JRD_JSON if answer.status == 200 else None,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"},
    )


def site_and_actor(request: Request) -> SiteIndex | JSONResponse:
    """The current build's index, once the build exists and the `{name}` in the path (if any) is one of its actors;
    otherwise the error to answer with."""
    try:
        index = shim_of(request).site.current()
    except SiteNotBuilt as missing:
        return error(503, "not_built", str(missing))
    name = request.path_params.get("name")
    if name is not None and name not in index.accounts:
        return error(404, "unknown_actor", f"there is no actor {name!r} on this site")
    return index


async def inbox_endpoint(request: Request) -> Response:
    shim = shim_of(request)
    index = site_and_actor(request)
    if isinstance(index, JSONResponse):
        return index
    body = await read_body(request)
    if body is None:
        return error(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
    headers = headers_from_pairs(request.headers.raw)
    headers["host"] = shim.settings.host  # verified as addressed: see target_uri
    result: InboxResult = await shim.inbox.receive(
        index, request.method, target_uri(request, shim.site_uri), headers, body
    )
    task = BackgroundTask(result.follow_up) if result.follow_up else None
    return JSONResponse(result.body(), status_code=result.status, headers=result.headers(), background=task)


async def followers_endpoint(request: Request) -> Response:
    shim = shim_of(request)
    index = site_and_actor(request)
    if isinstance(index, JSONResponse):
        return index
    name = request.path_params["name"]
    url = SitePaths(shim.settings.site_url).followers(name)
    document = followers_document(shim.storage.followers, url, name, shim.settings.show_followers)
    return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Cache-Control": "no-cache"})


async def quote_stamp_endpoint(request: Request) -> Response:
    """A FEP-044f QuoteAuthorization this site granted (lectern.community_inbox), which the quoting server fetches."""
    stamp = shim_of(request).community.quote_stamp(request.path_params["digest"])
    if stamp is None:
        return error(404, "no_such_stamp", "this site granted no quote under this address, or took it back")
    return JSONResponse(stamp, media_type=ACTIVITY_JSON, headers={"Cache-Control": "no-cache"})


async def deliver_endpoint(request: Request) -> Response:
    """Queue the current build's changes now (the publish step calls this once the files are live)."""
    shim = shim_of(request)
    token = shim.settings.deliver_token
    if not token:
        return error(403, "disabled", "set LECTERN_DELIVER_TOKEN where the shim runs to enable this endpoint")
    offered = request.headers.get("authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return error(401, "bad_token", "send Authorization: Bearer <LECTERN_DELIVER_TOKEN>")
    try:
        report = queue_pending(shim.settings, shim.deliveries)
    except NoBuild as missing:
        return error(503, "not_built", str(missing))
    shim.worker.wake.set()
    return JSONResponse(
        {"status": "queued", "activities": report.activities, "deliveries": report.jobs, "first_run": report.baseline},
        status_code=202,
    )


def create_app(settings: Settings, *, serve_static: bool = False, deliver: bool = True) -> Starlette:
    """The shim for `settings`; with `serve_static`, the built site on the same origin (as `lectern serve`); with
    `deliver`, a background task that delivers each new build (otherwise run `lectern deliver` yourself)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        output_swap.recover(settings.output_dir)  # a build killed mid-swap (see lectern.output_swap)
        storage = open_shim_storage(settings, on_event_loop=True)
        fetcher = RemoteFetcher(allow_private_addresses=settings.allow_private_addresses)
        client = InboxClient(allow_private_addresses=settings.allow_private_addresses)
        key_cache = KeyCache(fetcher, store=storage.keys)
        private_key = load_or_create_private_key(settings.instance_dir)
        sender = ActivitySender(settings, client, private_key)
        deliveries = plan_recorder(storage)
        inbox = Inbox(
            storage,
            key_cache,
            fetcher,
            sender,
            actor_id=SitePaths(settings.site_url).actor,
            blocked_domains=settings.blocked_domains,
            on_verified=storage.deliveries.host_answered,
        )
        community = open_community(settings, storage, inbox, fetcher, sender)
        worker = make_worker(settings, storage, private_key)
        site = SiteView(settings.output_dir)
        app.state.shim = Shim(settings, storage, site, inbox, deliveries, worker, community)
        stop = asyncio.Event()
        delivering = watch_and_deliver(settings, deliveries, worker, stop) if deliver else stop.wait()
        background = asyncio.create_task(delivering)
        try:
            yield
        finally:
            stop.set()
            worker.wake.set()
            await asyncio.wait([background], timeout=15)
            await worker.client.close()
            worker.close()
            await fetcher.close()
            await client.close()
            community.close()
            storage.close()

    routes: list[Route | Mount] = [
        Route("/.well-known/webfinger", webfinger_endpoint, methods=["GET"]),
        Route("/ap/inbox", inbox_endpoint, methods=["POST"]),
        Route("/ap/actors/{name}/inbox", inbox_endpoint, methods=["POST"]),
        Route("/ap/actors/{name}/followers", followers_endpoint, methods=["GET"]),
        Route("/ap/quote-stamps/{digest}", quote_stamp_endpoint, methods=["GET"]),
        Route("/_lectern/deliver", deliver_endpoint, methods=["POST"]),
    ]
    if serve_static:
        routes.append(Mount("/", StaticSite(directory=settings.output_dir, html=True, check_dir=False)))
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)


def app_from_environment() -> Starlette:
    """ASGI factory for running the shim alone: `uvicorn --factory lectern.shim_app:app_from_environment`."""
    settings = load_settings_from_environment()
    return create_app(settings, serve_static=settings.serve_static)
