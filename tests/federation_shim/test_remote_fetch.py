"""Examples of fetching remote ActivityPub documents, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.addresses import parse_networks
from lectern.federation_shim.errors import (
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    HTTPStatusError,
    IdMismatch,
    InvalidDocument,
    TooLarge,
    TooManyRedirects,
    UnsupportedURL,
    WrongContentType,
)
from lectern.federation_shim.http_signatures import KeyLookupFailure, PublicKeyInfo, sign_get, verify_request
from lectern.federation_shim.media_types import ACCEPT_ACTIVITYPUB
from lectern.federation_shim.remote_fetch import FetchedDocument, RemoteFetcher
from tests.federation_shim.local_http import LocalServer

AP_JSON = "application/activity+json"


def actor_at(request: web.Request, **extra: Any) -> dict[str, Any]:
    """An actor document whose id is the URL it is served from."""
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": str(request.url), "type": "Person"} | extra


async def serve_actor(request: web.Request) -> web.Response:
    return web.json_response(actor_at(request, accept=request.headers.get("Accept")), content_type=AP_JSON)


def fetch(
    local_server: LocalServer, routes: dict[str, Any], path: str, *, check_id: bool = True, **options: Any
) -> FetchedDocument:
    """Serve ``routes``, fetch ``path`` from them with a RemoteFetcher(**options)."""
    options.setdefault("allow_private_addresses", True)

    async def scenario() -> FetchedDocument:
        async with local_server(routes) as base, RemoteFetcher(**options) as fetcher:
            return await fetcher.fetch(base + path, check_id=check_id)

    return asyncio.run(scenario())


def test_fetches_an_actor_asking_for_activitypub(local_server: LocalServer) -> None:
    fetched = fetch(local_server, {"/users/ada": serve_actor}, "/users/ada")
    assert fetched.document["type"] == "Person"
    assert fetched.document["accept"] == ACCEPT_ACTIVITYPUB
    assert fetched.url == fetched.document["id"]
    assert fetched.content_type.startswith(AP_JSON)


def test_ld_json_with_the_activitystreams_profile_is_accepted(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
        return web.Response(body=json.dumps(actor_at(request)), headers={"Content-Type": content_type})

    assert fetch(local_server, {"/a": handler}, "/a").document["type"] == "Person"


def test_text_html_is_rejected(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="<html>profile</html>", content_type="text/html")

    with pytest.raises(WrongContentType, match="text/html"):
        fetch(local_server, {"/a": handler}, "/a")


def test_two_megabyte_body_is_rejected(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b" " * (2 * 1024 * 1024), content_type=AP_JSON)

    with pytest.raises(TooLarge, match="1048576 bytes"):
        fetch(local_server, {"/a": handler}, "/a")


def test_size_is_counted_while_reading_when_no_length_is_announced(local_server: LocalServer) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            while True:  # without the cap we would read until the deadline
                await response.write(b" " * 65536)
        except (ConnectionResetError, RuntimeError):
            return response

    with pytest.raises(TooLarge):
        fetch(local_server, {"/a": endless}, "/a")


def test_size_is_counted_after_decompression(local_server: LocalServer) -> None:
    bomb = gzip.compress(b" " * (2 * 1024 * 1024))  # a few KB on the wire

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Type": AP_JSON, "Content-Encoding": "gzip"})

    with pytest.raises(TooLarge):
        fetch(local_server, {"/a": handler}, "/a")


def redirect_chain(hops: int) -> dict[str, Any]:
    async def hop(number: int, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/hop/{number + 1}" if number < hops else "/users/ada")

    routes: dict[str, Any] = {f"/hop/{n}": partial(hop, n) for n in range(1, hops + 1)}
    return routes | {"/users/ada": serve_actor}


def test_three_redirects_are_followed_and_the_id_is_the_final_url(local_server: LocalServer) -> None:
    fetched = fetch(local_server, redirect_chain(3), "/hop/1")
    assert fetched.url.endswith("/users/ada")
    assert fetched.document["id"] == fetched.url


def test_four_redirects_are_rejected(local_server: LocalServer) -> None:
    with pytest.raises(TooManyRedirects, match="more than 3 times"):
        fetch(local_server, redirect_chain(4), "/hop/1")


def test_redirect_to_another_scheme_is_refused(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    with pytest.raises(UnsupportedURL):
        fetch(local_server, {"/a": handler}, "/a")


def test_redirect_target_is_checked_again(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    only_us = parse_networks("127.0.0.1/32")
    with pytest.raises(ForbiddenAddress, match="169.254.169.254"):
        fetch(local_server, {"/a": handler}, "/a", allow_private_addresses=False, allowed_networks=only_us)


def test_id_mismatch_is_rejected(local_server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(actor_at(request) | {"id": "https://victim.example/users/ada"}, content_type=AP_JSON)

    with pytest.raises(IdMismatch, match="victim.example"):
        fetch(local_server, {"/a": handler}, "/a")
    assert fetch(local_server, {"/a": handler}, "/a", check_id=False).document["id"].startswith("https://victim")


def test_id_must_be_the_final_url_not_the_first_one(local_server: LocalServer) -> None:
    async def first(request: web.Request) -> web.Response:
        raise web.HTTPFound("/second")

    async def second(request: web.Request) -> web.Response:
        return web.json_response(actor_at(request) | {"id": str(request.url.with_path("/first"))}, content_type=AP_JSON)

    with pytest.raises(IdMismatch):
        fetch(local_server, {"/first": first, "/second": second}, "/first")


def test_loopback_is_refused_unless_private_addresses_are_allowed(local_server: LocalServer) -> None:
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        return await serve_actor(request)

    with pytest.raises(ForbiddenAddress, match="127.0.0.1"):
        fetch(local_server, {"/a": handler}, "/a", allow_private_addresses=False)
    assert hits == []  # refused before connecting
    assert fetch(local_server, {"/a": handler}, "/a", allow_private_addresses=True).document["type"] == "Person"
    assert hits == ["/a"]


class StubDNS(AbstractResolver):
    """Resolves every name to fixed addresses, as a hostile DNS server might."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0) for a in self.addresses
        ]

    async def close(self) -> None:
        pass


def test_names_are_checked_when_connecting_so_dns_rebinding_is_refused(local_server: LocalServer) -> None:
    async def scenario() -> None:
        async with local_server({"/a": serve_actor}) as base:
            port = base.rsplit(":", 1)[1]
            url = f"http://rebind.test:{port}/a"
            only_us = parse_networks("127.0.0.1/32")
            # The name resolves to an address we allow: the fetch reaches our server by it.
            async with RemoteFetcher(resolver=StubDNS("127.0.0.1"), allowed_networks=only_us) as fetcher:
                assert (await fetcher.fetch(url, check_id=False)).document["type"] == "Person"
            # The name now (also) resolves to a forbidden address: refused at connection time.
            async with RemoteFetcher(resolver=StubDNS("127.0.0.1", "127.0.0.2"), allowed_networks=only_us) as fetcher:
                with pytest.raises(ForbiddenAddress, match="rebind.test is at 127.0.0.2"):
                    await fetcher.fetch(url)
            async with RemoteFetcher() as fetcher:  # the real resolver, and localhost
                with pytest.raises(ForbiddenAddress, match="localhost"):
                    await fetcher.fetch(f"http://localhost:{port}/a")

    asyncio.run(scenario())


def test_slow_server_hits_the_deadline(local_server: LocalServer) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return await serve_actor(request)

    with pytest.raises(FetchTimeout, match="0.3 s") as caught:
        fetch(local_server, {"/a": slow}, "/a", deadline=0.3)
    assert caught.value.temporary


def test_deadline_covers_a_body_that_trickles_in(local_server: LocalServer) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        await response.prepare(request)
        for _ in range(50):
            await response.write(b" ")
            await asyncio.sleep(0.05)
        return response

    with pytest.raises(FetchTimeout):
        fetch(local_server, {"/a": trickle}, "/a", deadline=0.3)


@pytest.mark.parametrize(("status", "temporary"), [(404, False), (410, False), (429, True), (503, True)])
def test_error_statuses_are_http_status_errors(local_server: LocalServer, status: int, temporary: bool) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text="no")

    with pytest.raises(HTTPStatusError) as caught:
        fetch(local_server, {"/a": handler}, "/a")
    assert (caught.value.status, caught.value.temporary) == (status, temporary)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"a string"'])
def test_body_that_is_not_a_json_object_is_an_invalid_document(local_server: LocalServer, body: bytes) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=AP_JSON)

    with pytest.raises(InvalidDocument):
        fetch(local_server, {"/a": handler}, "/a")


def test_nothing_listening_is_a_temporary_connection_failure() -> None:
    with socket.socket() as probe:  # bound and never listening: connections are refused, and no one can take it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

        async def scenario() -> None:
            async with RemoteFetcher(allow_private_addresses=True) as fetcher:
                await fetcher.fetch(f"http://127.0.0.1:{port}/a")

        with pytest.raises(FetchError) as caught:
            asyncio.run(scenario())
    assert caught.value.code == "connection_failed" and caught.value.temporary


def test_authorized_fetch_signs_every_hop_for_its_own_url(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    key_id = "https://lectern.example/ap/actors/site#main-key"
    verdicts: list[str] = []

    async def lookup(requested: str, refresh: bool) -> PublicKeyInfo | KeyLookupFailure:
        return PublicKeyInfo(key_id, "https://lectern.example/ap/actors/site", rsa_key.public_key(), False)

    async def check(request: web.Request) -> None:
        result = await verify_request(
            method=request.method,
            target_uri=str(request.url),
            headers=dict(request.headers),
            body=b"",
            now=datetime.now(UTC),
            key_lookup=lookup,
        )
        verdicts.append(str(result.reason))
        if not result.ok:
            raise web.HTTPUnauthorized(text=result.detail)

    async def first(request: web.Request) -> web.Response:
        await check(request)
        raise web.HTTPFound("/users/ada")

    async def actor(request: web.Request) -> web.Response:
        await check(request)
        return await serve_actor(request)

    signer = partial(sign_get, key_id=key_id, private_key=rsa_key)
    fetched = fetch(local_server, {"/first": first, "/users/ada": actor}, "/first", signer=signer)
    assert fetched.document["type"] == "Person"
    assert verdicts == ["verified", "verified"]


def fetch_plain(
    local_server: LocalServer, routes: dict[str, Any], path: str, plain_max: int | None = None, **options: Any
) -> FetchedDocument:
    """Serve ``routes``, fetch ``path`` from them as plain JSON with a RemoteFetcher(**options)."""
    options.setdefault("allow_private_addresses", True)

    async def scenario() -> FetchedDocument:
        async with local_server(routes) as base, RemoteFetcher(**options) as fetcher:
            return await fetcher.fetch_json(base + path, max_bytes=plain_max)

    return asyncio.run(scenario())


async def serve_nodeinfo(request: web.Request) -> web.Response:
    seen = {"accept": request.headers.get("Accept"), "signed": "Signature" in request.headers}
    return web.json_response({"software": {"name": "mastodon"}} | seen)


def test_plain_json_is_fetched_unsigned_with_any_content_type(local_server: LocalServer) -> None:
    signed: list[str] = []

    def signer(url: str) -> dict[str, str]:
        signed.append(url)
        return {"Signature": "never sent"}

    fetched = fetch_plain(local_server, {"/nodeinfo/2.1": serve_nodeinfo}, "/nodeinfo/2.1", signer=signer)
    assert fetched.document["software"] == {"name": "mastodon"}
    assert fetched.document["accept"] == "application/jrd+json, application/json;q=0.9"
    assert fetched.document["signed"] is False and signed == []
    assert fetched.content_type.startswith("application/json")
    with pytest.raises(WrongContentType):  # the same answer is no ActivityPub document
        fetch(local_server, {"/nodeinfo/2.1": serve_nodeinfo}, "/nodeinfo/2.1", check_id=False)


def test_plain_json_keeps_the_guards(local_server: LocalServer) -> None:
    async def big(request: web.Request) -> web.Response:
        return web.json_response({"padding": "x" * 5000})

    async def not_an_object(request: web.Request) -> web.Response:
        return web.json_response([1, 2])

    with pytest.raises(TooLarge):
        fetch_plain(local_server, {"/big": big}, "/big", plain_max=1000)
    with pytest.raises(InvalidDocument):
        fetch_plain(local_server, {"/list": not_an_object}, "/list")
    with pytest.raises(ForbiddenAddress):
        fetch_plain(local_server, {"/big": big}, "/big", allow_private_addresses=False)


def fetch_page(local_server: LocalServer, routes: dict[str, Any], path: str, **options: Any) -> str:
    options.setdefault("allow_private_addresses", True)
    page_max = options.pop("page_max", 512 * 1024)

    async def scenario() -> str:
        async with local_server(routes) as base, RemoteFetcher(**options) as fetcher:
            return await fetcher.fetch_text(base + path, max_bytes=page_max)

    return asyncio.run(scenario())


def test_a_web_page_is_fetched_as_text_in_its_charset_with_the_same_guards(local_server: LocalServer) -> None:
    async def latin(request: web.Request) -> web.Response:
        assert request.headers.get("Accept") == "text/html" and "Signature" not in request.headers
        return web.Response(body="<title>Fracción</title>".encode("latin-1"), content_type="text/html",
                            charset="iso-8859-1")  # fmt: skip

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/latin")

    async def big(request: web.Request) -> web.Response:
        return web.Response(text="x" * 5000, content_type="text/html")

    assert fetch_page(local_server, {"/latin": latin, "/moved": moved}, "/moved") == "<title>Fracción</title>"
    with pytest.raises(TooLarge):
        fetch_page(local_server, {"/big": big}, "/big", page_max=1000)
    with pytest.raises(ForbiddenAddress):
        fetch_page(local_server, {"/big": big}, "/big", allow_private_addresses=False)
