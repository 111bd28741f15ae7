"""The federation shim: a Starlette app serving WebFinger, the inboxes and the followers collections.

    GET  /.well-known/webfinger?resource=acct:name@host   JRD for the site actor and each collection
    POST /ap/inbox                                        the shared inbox
    POST /ap/actors/{name}/inbox                          each actor's inbox
    GET  /ap/actors/{name}/followers                      each actor's followers (count only by default)
    POST /_lectern/deliver                                queue the current build's changes for delivery now
                                                          (Authorization: Bearer $LECTERN_DELIVER_TOKEN)

A background task delivers new, changed and removed resources to followers: it notices each new build by itself
(`federation_shim.delivery_service`).

`lectern serve` adds the static output on the same origin (`serve_static=True`), as a CDN routes it in production.
Run the shim alone behind a CDN with `uvicorn --factory lectern.federation_shim.app:app_from_environment` (settings
file in LECTERN_SETTINGS, default ./pelicanconf.py); it still needs the build output locally, for the WebFinger
index.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from lectern import output_swap
from lectern.federation_shim.admission import InboxResult
from lectern.federation_shim.delivery_service import NoBuild, make_worker, queue_pending, watch_and_deliver
from lectern.federation_shim.delivery_worker import DeliveryWorker
from lectern.federation_shim.error_responses import EXCEPTION_HANDLERS
from lectern.federation_shim.followers_collection import followers_collection
from lectern.federation_shim.inbox import MAX_BODY, Inbox
from lectern.federation_shim.inbox_client import InboxClient
from lectern.federation_shim.key_cache import KeyCache
from lectern.federation_shim.outgoing import activity_body, post_signed
from lectern.federation_shim.remote_fetch import RemoteFetcher
from lectern.federation_shim.request_view import TargetURI, headers_from_pairs
from lectern.federation_shim.site_view import SiteIndex, SiteNotBuilt, SiteView
from lectern.federation_shim.sqlite_storage import sqlite_storage
from lectern.federation_shim.state import LOOP_BUSY_TIMEOUT, STATE_FILE
from lectern.federation_shim.static_site import StaticSite
from lectern.federation_shim.storage import ShimStorage
from lectern.federation_shim.told_record import PlanRecorder, plan_recorder
from lectern.federation_shim.webfinger import webfinger
from lectern.keys import load_or_create_private_key
from lectern.settings import Settings, load_settings
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTIVITY_JSON, JRD_JSON

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
    answer = webfinger(request.query_params.get("resource"), index.raw())
    return JSONResponse(
        answer.body,
        status_code=answer.status,
        media_type=JRD_JSON if answer.status == 200 else None,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"},
    )


async def read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY (checked on Content-Length first, then while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit():  # not "²": isdigit() alone accepts it
        if len(declared) > 9 or int(declared) > MAX_BODY:
            return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def target_uri(request: Request, site: TargetURI) -> TargetURI:
    """The URI the sender addressed: the site's public URL (`site`, parsed once) with the raw path and query received.
    The shim serves one site, so a request meant for it was addressed to the site's own host, whatever Host a CDN or
    proxy passed on."""
    raw_path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1") or None
    path = site.raw_path.rstrip("/") + raw_path  # a site URL with a path (https://school.example/oer) keeps it
    uri = f"{site.scheme}://{site.authority}{path}" + (f"?{query}" if query else "")
    return TargetURI(uri, site.scheme, site.host, site.port, path, query)


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
    document = followers_collection(shim.storage.followers, url, name, shim.settings.show_followers)
    return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Cache-Control": "no-cache"})


async def deliver_endpoint(request: Request) -> Response:
    """Queue the current build's changes now (the publish step calls this once the files are live)."""
    shim = shim_of(request)
    token = os.environ.get("LECTERN_DELIVER_TOKEN", "")
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
        storage = sqlite_storage(settings.instance_dir / STATE_FILE, busy_timeout=LOOP_BUSY_TIMEOUT)
        fetcher = RemoteFetcher(allow_private_addresses=settings.allow_private_addresses)
        client = InboxClient(allow_private_addresses=settings.allow_private_addresses)
        key_cache = KeyCache(fetcher, store=storage.keys)
        private_key = load_or_create_private_key(settings.instance_dir)
        sender = ActivitySender(settings, client, private_key)
        deliveries = plan_recorder(storage)
        inbox = Inbox(settings, storage, key_cache, fetcher, sender, on_verified=storage.deliveries.host_answered)
        worker = make_worker(settings, storage, private_key)
        app.state.shim = Shim(settings, storage, SiteView(settings.output_dir), inbox, deliveries, worker)
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
            storage.close()

    routes: list[Route | Mount] = [
        Route("/.well-known/webfinger", webfinger_endpoint, methods=["GET"]),
        Route("/ap/inbox", inbox_endpoint, methods=["POST"]),
        Route("/ap/actors/{name}/inbox", inbox_endpoint, methods=["POST"]),
        Route("/ap/actors/{name}/followers", followers_endpoint, methods=["GET"]),
        Route("/_lectern/deliver", deliver_endpoint, methods=["POST"]),
    ]
    if serve_static:
        routes.append(Mount("/", StaticSite(directory=settings.output_dir, html=True, check_dir=False)))
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)


def app_from_environment() -> Starlette:
    """ASGI factory for running the shim alone: `uvicorn --factory lectern.federation_shim.app:app_from_environment`."""
    settings = load_settings(Path(os.environ.get("LECTERN_SETTINGS", "pelicanconf.py")))
    return create_app(settings, serve_static=os.environ.get("LECTERN_SERVE_STATIC") == "1")
