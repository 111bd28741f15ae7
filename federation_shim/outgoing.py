"""Signed POSTs to remote inboxes: the shim's only outgoing writes (Accept now, deliveries through the queue).

Each request is signed when it is sent (draft-cavage-12, rsa-sha256 over `(request-target) host date digest
content-type`, what Mastodon and every other server verify), so Date is always current. The request goes through
`InboxClient`, which applies the address guard that protects fetches: an inbox on a private address is refused
unless private addresses are allowed.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from lectern.federation_shim.cavage import sign_post
from lectern.federation_shim.inbox_client import InboxClient, PostResult

__all__ = ["PostResult", "activity_body", "post_signed"]


def activity_body(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post_signed(
    client: InboxClient,
    inbox: str,
    body: bytes,
    *,
    key_id: str,
    private_key: RSAPrivateKey,
) -> PostResult:
    """POST `body` to `inbox`, freshly signed with `key_id`. Never raises for network trouble: see PostResult."""
    try:
        headers = sign_post(inbox, body, key_id=key_id, private_key=private_key)
    except ValueError as error:
        return PostResult(0, f"cannot sign a request to {inbox!r}: {error}")
    return await client.post(inbox, headers, body)
