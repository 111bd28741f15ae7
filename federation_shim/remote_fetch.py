"""Fetching remote ActivityPub documents (actors, keys, objects) safely, with aiohttp.

A GET as ActivityPub section 3.2 asks for (``Accept: application/activity+json,
application/ld+json; profile="https://www.w3.org/ns/activitystreams"``), hardened the way
Mastodon hardens it (``app/lib/request.rb``, ``app/helpers/json_ld_helper.rb``):

* only ``200`` with an ActivityPub content type is a document (``valid_activitypub_content_type?``);
* the body is capped (1 MB, ``body_with_limit``), counted while reading, decompressed bytes;
* at most 3 redirects (``follow(max_hops: 3)``); every target is checked again, and a redirect
  from https to http is refused;
* one total deadline for the whole fetch, redirects included (Mastodon has per-operation
  timeouts, connect 5 s / read 10 s / write 10 s; a total bound is simpler to reason about);
* connections only to public addresses, checked when connecting (see ``addresses``); every URL, redirects included,
  must pass ``web_urls.parse_web_url`` first, so a malformed host never reaches the resolver or the IDNA codec;
* the JSON is read with the bounds of ``json_body`` (depth, number length, valid Unicode);
* the document's ``id`` must equal the URL it was served from, compared as strings. Mastodon
  compares with the URL it *asked* for (``fetch_resource``); we compare with the last URL of the
  redirect chain, because that is the origin that actually vouched for the document.
  ``check_id=False`` skips this, for the first step of Mastodon's two-step dereference.

Plain JSON that is not ActivityPub (WebFinger, NodeInfo, an app's own index): :meth:`RemoteFetcher.fetch_json`, with
the same guards, but any content type, no ``id`` check and no signature.

Authorized fetch: pass ``signer``, a callable from URL to the headers to add (see
``http_signatures.sign_get``); each hop is signed for its own URL.

Failures raise the ``errors.FetchError`` tree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from .addresses import GuardedResolver, Network, check_host
from .errors import (
    ConnectionFailed,
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
from .json_body import parse_json
from .media_types import ACCEPT_ACTIVITYPUB, is_activitypub_content_type
from .web_urls import web_url_problem

__all__ = ["ACCEPT_JSON", "DEFAULT_USER_AGENT", "FetchedDocument", "GetSigner", "RemoteFetcher"]

DEFAULT_USER_AGENT = "Lectern-federation-shim/0.1"
ACCEPT_JSON = "application/jrd+json, application/json;q=0.9"  # what `fetch_json` asks for by default
GetSigner = Callable[[str], Mapping[str, str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchedDocument:
    """A JSON object served with an ActivityPub content type from ``url`` (after redirects)."""

    url: str
    document: dict[str, Any]
    content_type: str


class RemoteFetcher:
    """Fetches ActivityPub documents. Use as ``async with RemoteFetcher(...) as fetcher:``.

    ``allow_private_addresses`` comes from the ``ALLOW_PRIVATE_ADDRESSES`` setting (env
    ``LECTERN_ALLOW_PRIVATE_ADDRESSES=1``); never enable it in production. ``allowed_networks``
    exempts specific networks instead (see ``addresses.parse_networks``). ``resolver`` replaces
    the DNS lookup (getaddrinfo) that the address guard wraps; the guard always applies.
    """

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        deadline: float = 10.0,
        max_bytes: int = 1024 * 1024,
        max_redirects: int = 3,
        signer: GetSigner | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        resolver: AbstractResolver | None = None,
        allowed_networks: Sequence[Network] = (),
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self.allowed_networks = tuple(allowed_networks)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.signer = signer
        self.user_agent = user_agent
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RemoteFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            guard = GuardedResolver(
                allow_private_addresses=self.allow_private_addresses,
                allowed_networks=self.allowed_networks,
                inner=self._resolver,
            )
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=guard),
                timeout=aiohttp.ClientTimeout(total=self.deadline),
                headers={"User-Agent": self.user_agent, "Accept": ACCEPT_ACTIVITYPUB},
                trust_env=False,
            )
        return self._session

    async def fetch(self, url: str, *, check_id: bool = True) -> FetchedDocument:
        """GET ``url`` and return its document, or raise a FetchError saying why not."""
        current = url.split("#", 1)[0]
        try:
            async with asyncio.timeout(self.deadline):
                return await self._fetch_following_redirects(current, check_id, None, self.max_bytes)
        except TimeoutError:
            raise FetchTimeout(current, self.deadline) from None

    async def fetch_json(self, url: str, *, accept: str = ACCEPT_JSON, max_bytes: int | None = None) -> FetchedDocument:
        """GET the plain JSON object at ``url`` (any content type, no ``id`` check, unsigned), with every other guard
        of :meth:`fetch`; ``max_bytes`` caps this fetch below the fetcher's own cap."""
        current = url.split("#", 1)[0]
        try:
            async with asyncio.timeout(self.deadline):
                return await self._fetch_following_redirects(
                    current, False, accept, min(max_bytes or self.max_bytes, self.max_bytes)
                )
        except TimeoutError:
            raise FetchTimeout(current, self.deadline) from None

    async def fetch_text(self, url: str, *, accept: str = "text/html", max_bytes: int = 512 * 1024) -> str:
        """GET the text (a web page) at ``url``, unsigned, with every guard of :meth:`fetch` (no private address,
        bounded size, time and redirects); decoded as its charset says, else UTF-8, undecodable bytes replaced."""
        current = url.split("#", 1)[0]
        try:
            async with asyncio.timeout(self.deadline):
                _final, body, content_type = await self._get_following_redirects(
                    current, {"Accept": accept}, min(max_bytes, self.max_bytes), activitypub=False
                )
        except TimeoutError:
            raise FetchTimeout(current, self.deadline) from None
        charset = "utf-8"
        for part in content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value.strip('"'):
                charset = value.strip('"')
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            return body.decode("utf-8", errors="replace")

    async def _fetch_following_redirects(
        self, url: str, check_id: bool, plain_accept: str | None, max_bytes: int
    ) -> FetchedDocument:
        """`plain_accept` None: an ActivityPub document (signed, content type checked); else plain JSON."""
        headers = None if plain_accept is None else {"Accept": plain_accept}
        current, body, content_type = await self._get_following_redirects(
            url, headers, max_bytes, activitypub=plain_accept is None
        )
        document = _parse_document(current, body)
        if check_id and document.get("id") != current:
            raise IdMismatch(current, document.get("id"))
        return FetchedDocument(current, document, content_type)

    async def _get_following_redirects(
        self, url: str, headers: dict[str, str] | None, max_bytes: int, *, activitypub: bool
    ) -> tuple[str, bytes, str]:
        """The final URL, body and content type of a GET of `url`; `headers` None: an ActivityPub request (signed
        when the fetcher signs, the content type checked)."""
        current = url
        self._check_url(current, previous=None)
        for _hop in range(self.max_redirects + 1):
            request_url = URL(current)  # what aiohttp will send, so what we must sign
            sent = headers if headers is not None else (dict(self.signer(str(request_url))) if self.signer else {})
            try:
                async with self._get_session().get(request_url, headers=sent, allow_redirects=False) as response:
                    if response.status in _REDIRECTS and "Location" in response.headers:
                        target = urljoin(current, response.headers["Location"]).split("#", 1)[0]
                        self._check_url(target, previous=current)
                        current = target
                        continue
                    if response.status != 200:
                        raise HTTPStatusError(current, response.status)
                    content_type = response.headers.get("Content-Type", "")
                    if activitypub and not is_activitypub_content_type(content_type):
                        raise WrongContentType(current, content_type or None)
                    body = await self._read_capped(current, response, max_bytes)
            except ForbiddenAddress as error:
                raise ForbiddenAddress(current, error.host, error.address) from None
            except (FetchError, TimeoutError):
                raise  # a timeout (ours or aiohttp's) becomes FetchTimeout in fetch()
            except aiohttp.ClientError as error:
                raise ConnectionFailed(current, f"fetching {current} failed: {error!r}") from error
            return current, body, content_type
        raise TooManyRedirects(url, self.max_redirects)

    def _check_url(self, url: str, *, previous: str | None) -> None:
        problem = web_url_problem(url)
        if problem is not None:
            raise UnsupportedURL(url, f"cannot fetch {url[:200]!r}: {problem}")
        parts = urlsplit(url)
        assert parts.hostname is not None  # web_url_problem checked it
        if previous is not None and urlsplit(previous).scheme == "https" and parts.scheme == "http":
            raise UnsupportedURL(url, f"{previous} redirected to {url}, from https to http")
        try:
            check_host(
                parts.hostname,
                allow_private_addresses=self.allow_private_addresses,
                allowed_networks=self.allowed_networks,
            )
        except ForbiddenAddress as error:
            raise ForbiddenAddress(url, error.host, error.address) from None

    async def _read_capped(self, url: str, response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
        if response.content_length is not None and response.content_length > max_bytes:
            raise TooLarge(url, max_bytes)
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(url, max_bytes)
        return bytes(body)


def _parse_document(url: str, body: bytes) -> dict[str, Any]:
    try:
        document = parse_json(body)
    except ValueError as error:
        raise InvalidDocument(url, f"{url} did not return JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidDocument(url, f"{url} returned JSON that is not an object")
    return document
