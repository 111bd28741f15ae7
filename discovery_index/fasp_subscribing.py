"""When a server enables `data_sharing`, the index asks it for content (FASP v0.1,
`discovery/data_sharing/v0.1/data_sharing.md`, "Managing Subscriptions" and "Requesting Historic Content"): a
`lifecycle` event subscription for `content` and for `account` (`POST <faspBaseUrl>/data_sharing/v0/
event_subscriptions`), and a backfill request for each (`POST .../backfill_requests`). Mastodon answers them in
`app/controllers/api/fasp/data_sharing/v0/` and authenticates them in `Api::Fasp::BaseController`
(`Fasp::Provider.find(keyid)`): so they are signed with the index's key for that server, keyid the `faspId`.
The server then announces URIs to `/data_sharing/v0/announcements` (`fasp_endpoints`).
"""

from __future__ import annotations

import json
import logging

from lectern.discovery_index.fasp_servers import FaspServer
from lectern.federation_shim import InboxClient, sign_message_ed25519

logger = logging.getLogger(__name__)

CATEGORIES = ("content", "account")
MAX_BATCH = 50
BACKFILL_COUNT = 100


async def _post(poster: InboxClient, server: FaspServer, path: str, payload: dict[str, object]) -> int:
    url = f"{server.base_url}{path}"
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    headers |= sign_message_ed25519(
        body=body, key_id=server.fasp_id, private_key=server.private_key, method="POST", target_uri=url
    )
    sent = await poster.post(url, headers, body)
    logger.info(
        "FASP: POST %s (%s): %s %s", url, payload.get("category"), sent.status or "no answer", sent.detail[:120]
    )
    return sent.status


async def ask_for_content(poster: InboxClient, server: FaspServer) -> list[int]:
    """Subscribe to lifecycle events and request a backfill, for content and accounts; the statuses answered
    (201 each when the server accepted)."""
    statuses = []
    for category in CATEGORIES:
        subscription = {"category": category, "subscriptionType": "lifecycle", "maxBatchSize": MAX_BATCH}
        statuses.append(await _post(poster, server, "/data_sharing/v0/event_subscriptions", subscription))
    for category in CATEGORIES:
        backfill = {"category": category, "maxCount": BACKFILL_COUNT}
        statuses.append(await _post(poster, server, "/data_sharing/v0/backfill_requests", backfill))
    return statuses
