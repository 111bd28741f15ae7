"""A guestbook actor built only on the federation toolkit's public API (`lectern.federation_shim`).

    GET  /.well-known/webfinger?resource=acct:guestbook@HOST   who `@guestbook@HOST` is (WebFinger)
    GET  /actors/guestbook                                      the actor, with its public key
    POST /actors/guestbook/inbox                                signed activities: Follow and Undo (built in), and
                                                                Create, whose Note signs the guestbook
    GET  /actors/guestbook/followers                            its followers
    GET  /entries                                               what was written in the guestbook

A Follow is checked (signature, key owner, duplicates), stored, and answered with a signed Accept, which goes through
the app's delivery queue: a worker signs each POST and retries it on the toolkit's retry policy.

    python docs/examples/toolkit_app.py --port 8000 --state /tmp/guestbook
    # then, from any Fediverse account: follow @guestbook@your.host (behind HTTPS), or mention it in a post

`--allow-private-addresses` lets it fetch keys from loopback peers (tests only). docs/federation-toolkit.md explains
each piece; tests/federation_shim/test_toolkit_example.py runs this file against a Fedify server.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lectern.federation_shim import (
    ACTIVITY_JSON,
    ACTIVITYSTREAMS,
    EXCEPTION_HANDLERS,
    JRD_JSON,
    LOOP_BUSY_TIMEOUT,
    MAX_BODY,
    SECURITY,
    Admitted,
    DeliveryWorker,
    Inbox,
    InboxClient,
    InboxResult,
    KeyCache,
    LocalActors,
    OutgoingActivity,
    RemoteFetcher,
    ShimStorage,
    TargetURI,
    WebFingerAccount,
    activity_body,
    followers_document,
    headers_from_pairs,
    id_of,
    json_error,
    read_body,
    sqlite_storage,
    target_uri,
    webfinger,
)

logger = logging.getLogger("guestbook")

NAME = "guestbook"


@dataclass(frozen=True)
class Site:
    """Where the app lives, and its one actor: what the inbox asks (`LocalActors`) and what the documents link."""

    uri: TargetURI

    @property
    def actor_id(self) -> str:
        return f"{self.uri.scheme}://{self.uri.authority}/actors/{NAME}"

    def name_of_actor(self, actor_id: str) -> str | None:
        return NAME if actor_id == self.actor_id else None


@dataclass
class Guestbook:
    site: Site
    storage: ShimStorage
    inbox: Inbox
    public_key_pem: str
    entries: list[dict[str, str]] = field(default_factory=list)

    async def on_create(self, actors: LocalActors, admitted: Admitted) -> InboxResult:
        """A Create of a Note addressed to the guestbook signs it (dispatch per activity type: `Inbox.on`)."""
        note = admitted.activity.get("object")
        if not isinstance(note, dict) or note.get("type") != "Note" or not isinstance(note.get("content"), str):
            return InboxResult(202, "ignored", "only a Note can sign the guestbook")
        self.entries.append({"by": admitted.actor, "id": str(id_of(note)), "content": note["content"][:500]})
        return InboxResult(202, "signed", f"{admitted.actor} signed the guestbook")


def guestbook_of(request: Request) -> Guestbook:
    guestbook: Guestbook = request.app.state.guestbook
    return guestbook


async def webfinger_endpoint(request: Request) -> Response:
    site = guestbook_of(request).site
    accounts = {NAME: WebFingerAccount(site.actor_id)}
    answer = webfinger(request.query_params.get("resource"), site.uri.authority, accounts)
    return JSONResponse(answer.body, answer.status, media_type=JRD_JSON if answer.status == 200 else None)


async def actor_endpoint(request: Request) -> Response:
    book = guestbook_of(request)
    actor = book.site.actor_id
    document = {
        "@context": [ACTIVITYSTREAMS, SECURITY],
        "id": actor,
        "type": "Service",
        "preferredUsername": NAME,
        "name": "Guestbook",
        "summary": "Follow me, or mention me in a post to sign the guestbook.",
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": book.public_key_pem},
    }
    return JSONResponse(document, media_type=ACTIVITY_JSON)


async def inbox_endpoint(request: Request) -> Response:
    book = guestbook_of(request)
    body = await read_body(request)
    if body is None:
        return json_error(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
    headers = headers_from_pairs(request.headers.raw)
    headers["host"] = book.site.uri.authority  # verified as addressed to us, whatever a proxy passed on
    uri = target_uri(request, book.site.uri)
    result = await book.inbox.receive(book.site, request.method, uri, headers, body)
    task = BackgroundTask(result.follow_up) if result.follow_up else None
    return JSONResponse(result.body(), result.status, headers=result.headers(), background=task)


async def followers_endpoint(request: Request) -> Response:
    book = guestbook_of(request)
    document = followers_document(book.storage.followers, f"{book.site.actor_id}/followers", NAME, show=True)
    return JSONResponse(document, media_type=ACTIVITY_JSON)


async def entries_endpoint(request: Request) -> Response:
    return JSONResponse(guestbook_of(request).entries)


def create_app(site_url: str, state_dir: Path, *, allow_private_addresses: bool = False) -> Starlette:
    site = Site(TargetURI.parse(site_url))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        storage = sqlite_storage(state_dir / "guestbook.sqlite3", busy_timeout=LOOP_BUSY_TIMEOUT)
        fetcher = RemoteFetcher(allow_private_addresses=allow_private_addresses)
        client = InboxClient(allow_private_addresses=allow_private_addresses)
        # the toolkit's persistent queue and worker: signs, sends, retries on Mastodon's schedule (retry_policy)
        worker = DeliveryWorker(storage.deliveries, private_key, lambda _name: f"{site.actor_id}#main-key", client,
                                storage.followers)  # fmt: skip

        async def send(actor_name: str, inbox_url: str, activity: dict[str, Any]) -> None:
            """The inbox's `send`: queue the activity for `inbox_url`, signed as our one actor when sent."""
            outgoing = OutgoingActivity(str(activity["id"]), str(activity["type"]), actor_name, activity_body(activity))
            storage.deliveries.enqueue(outgoing, [inbox_url], time.time())
            worker.wake.set()

        inbox = Inbox(
            storage,
            KeyCache(fetcher, store=storage.keys),
            fetcher,
            send,
            actor_id=lambda _: site.actor_id,
        )
        book = Guestbook(site, storage, inbox, public_pem.decode("ascii"))
        inbox.on("Create", book.on_create)
        app.state.guestbook = book
        stop = asyncio.Event()
        delivering = asyncio.create_task(worker.run(until_idle=False, stop=stop))
        try:
            yield
        finally:
            stop.set()
            worker.wake.set()
            await asyncio.wait([delivering], timeout=10)
            worker.close()
            await fetcher.close()
            await client.close()
            storage.database.close()

    routes = [
        Route("/.well-known/webfinger", webfinger_endpoint, methods=["GET"]),
        Route(f"/actors/{NAME}", actor_endpoint, methods=["GET"]),
        Route(f"/actors/{NAME}/inbox", inbox_endpoint, methods=["POST"]),
        Route(f"/actors/{NAME}/followers", followers_endpoint, methods=["GET"]),
        Route("/entries", entries_endpoint, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)


def main() -> None:
    parser = argparse.ArgumentParser(description="A guestbook actor on the federation toolkit.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--site-url", help="the public address (default: http://HOST:PORT)")
    parser.add_argument("--state", type=Path, default=Path("guestbook-state"), help="folder for its SQLite file")
    parser.add_argument("--allow-private-addresses", action="store_true", help="fetch from loopback (tests only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    site_url = args.site_url or f"http://{args.host}:{args.port}"
    app = create_app(site_url, args.state, allow_private_addresses=args.allow_private_addresses)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
