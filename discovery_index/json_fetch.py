"""Safe GET of plain JSON documents that are not ActivityPub: WebFinger (RFC 7033), NodeInfo, Lectern's index.

`federation_shim.remote_fetch.RemoteFetcher` fetches ActivityPub documents (content type and `id` checked); these
documents have neither, so this is its sibling for plain JSON, with the same guards, reused from the shim: the
session's `GuardedResolver` and `check_host` on every hop (no private addresses unless allowed), at most 3
redirects (never from https to http), a size cap counted while reading, one deadline for the whole fetch. Failures
raise the shim's `FetchError` tree.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from lectern.federation_shim import (
    DEFAULT_USER_AGENT,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    HTTPStatusError,
    InvalidDocument,
    TooLarge,
    TooManyRedirects,
    UnsupportedURL,
    parse_json,
    web_url_problem,
)
from lectern.federation_shim.addresses import GuardedResolver, check_host

MAX_BYTES = 512 * 1024
DEADLINE = 10.0
ACCEPT_JSON = "application/jrd+json, application/json;q=0.9"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def json_session(allow_private_addresses: bool, *, timeout: float = DEADLINE) -> aiohttp.ClientSession:
    """The session `fetch_json` expects: every host name resolved through `GuardedResolver`."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=GuardedResolver(allow_private_addresses=allow_private_addresses)),
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": DEFAULT_USER_AGENT},
        trust_env=False,
    )


def _check(url: str, previous: str | None, allow_private_addresses: bool) -> None:
    problem = web_url_problem(url)
    if problem is not None:
        raise UnsupportedURL(url, f"cannot fetch {url[:200]!r}: {problem}")
    parts = urlsplit(url)
    assert parts.hostname is not None  # web_url_problem checked it
    if previous is not None and urlsplit(previous).scheme == "https" and parts.scheme == "http":
        raise UnsupportedURL(url, f"{previous} redirected to {url}, from https to http")
    try:
        check_host(parts.hostname, allow_private_addresses=allow_private_addresses)
    except ForbiddenAddress as error:
        raise ForbiddenAddress(url, error.host, error.address) from None


async def fetch_json(
    session: aiohttp.ClientSession,
    url: str,
    *,
    allow_private_addresses: bool,
    accept: str = ACCEPT_JSON,
    max_bytes: int = MAX_BYTES,
) -> dict[str, Any]:
    """The JSON object at `url`, or a FetchError saying why not."""
    try:
        async with asyncio.timeout(DEADLINE):
            return await _fetch(session, url, allow_private_addresses, accept, max_bytes)
    except TimeoutError:
        raise FetchTimeout(url, DEADLINE) from None


async def _fetch(
    session: aiohttp.ClientSession, url: str, allow_private: bool, accept: str, max_bytes: int
) -> dict[str, Any]:
    current, previous = url, None
    for _hop in range(4):
        _check(current, previous, allow_private)
        try:
            async with session.get(current, headers={"Accept": accept}, allow_redirects=False) as response:
                if response.status in _REDIRECTS and "Location" in response.headers:
                    previous, current = current, urljoin(current, response.headers["Location"])
                    continue
                if response.status != 200:
                    raise HTTPStatusError(current, response.status)
                body = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > max_bytes:
                        raise TooLarge(current, max_bytes)
        except ForbiddenAddress as error:
            raise ForbiddenAddress(current, error.host, error.address) from None
        except (FetchError, TimeoutError):
            raise
        except aiohttp.ClientError as error:
            raise ConnectionFailed(current, f"fetching {current} failed: {error!r}") from error
        try:
            document = parse_json(bytes(body))
        except ValueError as error:  # BadJSON: not JSON, or beyond json_body's bounds
            raise InvalidDocument(current, f"{current} did not return JSON: {error}") from None
        if not isinstance(document, dict):
            raise InvalidDocument(current, f"{current} returned JSON that is not an object")
        return document
    raise TooManyRedirects(url, 3)
