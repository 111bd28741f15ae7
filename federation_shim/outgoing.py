"""Signed POSTs to remote inboxes: the shim's only outgoing writes (Accept now, deliveries through the queue).

Each request is signed when it is sent (draft-cavage-12, rsa-sha256 over `(request-target) host date digest
content-type`, what Mastodon and every other server verify), so Date is always current. The address guard that
protects fetches applies here too: an inbox on a private address is refused unless private addresses are allowed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from federation_shim.addresses import GuardedResolver, check_host
from federation_shim.cavage import sign_post
from federation_shim.errors import FetchError
from federation_shim.remote_fetch import DEFAULT_USER_AGENT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    """What a remote inbox answered; `status` 0 means no answer (refused address, timeout, connection error)."""

    status: int
    detail: str
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def activity_body(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def client_session(
    allow_private_addresses: bool, *, timeout: float = 10.0, limit: int = 100, limit_per_host: int = 4
) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allow_private_addresses=allow_private_addresses),
        limit=limit,
        limit_per_host=limit_per_host,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": DEFAULT_USER_AGENT},
        trust_env=False,
    )


async def post_signed(
    session: aiohttp.ClientSession,
    inbox: str,
    body: bytes,
    *,
    key_id: str,
    private_key: RSAPrivateKey,
    allow_private_addresses: bool,
) -> PostResult:
    """POST `body` to `inbox`, freshly signed with `key_id`. Never raises for network trouble: see PostResult."""
    try:
        parts = urlsplit(inbox)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return PostResult(0, f"{inbox!r} is not an http(s) URL")
        check_host(parts.hostname, allow_private_addresses=allow_private_addresses)
        headers = sign_post(inbox, body, key_id=key_id, private_key=private_key)
        headers.pop("Host", None)  # aiohttp sends the same Host itself
        async with session.post(inbox, data=body, headers=headers, allow_redirects=False) as response:
            text = (await response.content.read(2048)).decode("utf-8", "replace")
            return PostResult(response.status, text[:300], response.headers.get("Retry-After"))
    except FetchError as error:
        return PostResult(0, str(error))
    except TimeoutError:
        return PostResult(0, f"no answer from {inbox} in time")
    except aiohttp.ClientError as error:
        return PostResult(0, f"{type(error).__name__}: {error}")
