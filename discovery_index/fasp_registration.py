"""Registering a Fediverse server with the index as a FASP (v0.1, `general/v0.1/registration.md` and
`general/v0.1/protocol_basics.md` in mastodon/fediverse_auxiliary_service_provider_specifications; Mastodon answers in
`app/controllers/api/fasp/registrations_controller.rb`):

1. the index's admin gives the server's URL (`POST /_index/fasp/servers`);
2. the index finds the server's FASP base URL in its NodeInfo (`metadata.faspBaseUrl`), creates an Ed25519 key pair
   and a `serverId` for it, and POSTs `{name, baseUrl, serverId, publicKey}` to `<faspBaseUrl>/registration`;
3. the server answers 201 `{faspId, publicKey, registrationCompletionUri}`, which the index stores; the admin then
   accepts the request on the server, comparing the fingerprint the index shows (base64 SHA-256 of its public key).

The server then signs its requests with keyid `serverId`; the index signs what it sends the server with keyid `faspId`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from lectern.discovery_index.discovery import NODEINFO_SCHEMA
from lectern.discovery_index.errors import SourceError
from lectern.discovery_index.fasp_servers import FaspServers
from lectern.federation_shim import FetchError, InboxClient, RemoteFetcher, authority_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered:
    server_id: str
    fasp_base_url: str
    fingerprint: str
    registration_completion_uri: str


async def fasp_base_url(fetcher: RemoteFetcher, server_url: str) -> str:
    """`metadata.faspBaseUrl` of the server's NodeInfo 2.x; SourceError when it has none."""
    base = server_url.rstrip("/")
    try:
        links = (await fetcher.fetch_json(f"{base}/.well-known/nodeinfo")).document.get("links")
        for link in links if isinstance(links, list) else []:
            if isinstance(link, dict) and str(link.get("rel", "")).startswith(NODEINFO_SCHEMA):
                metadata = (await fetcher.fetch_json(str(link.get("href")))).document.get("metadata")
                found = metadata.get("faspBaseUrl") if isinstance(metadata, dict) else None
                if isinstance(found, str) and found.startswith(("https://", "http://")):
                    authority_of(found)
                    return found.rstrip("/")
    except (FetchError, ValueError) as error:
        raise SourceError(f"{base}: no NodeInfo to read the FASP base URL from ({error})") from error
    raise SourceError(f"{base}: its NodeInfo has no metadata.faspBaseUrl (is FASP enabled on the server?)")


def _answer(detail: str) -> dict[str, Any]:
    try:
        answer = json.loads(detail)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not all(isinstance(answer.get(k), str) for k in ("faspId", "publicKey")):
        raise SourceError(
            f"the server's answer is not {{faspId, publicKey, registrationCompletionUri}}: {detail[:200]}"
        )
    return answer


async def register_server(
    servers: FaspServers, fetcher: RemoteFetcher, poster: InboxClient, server_url: str, name: str, public_url: str
) -> Registered:
    base = await fasp_base_url(fetcher, server_url)
    server = servers.create(base)
    payload = {"name": name, "baseUrl": public_url, "serverId": server.server_id, "publicKey": server.public_key_base64}
    sent = await poster.post(
        f"{base}/registration",
        {"Content-Type": "application/json", "Accept": "application/json"},
        json.dumps(payload).encode(),
    )
    try:
        if sent.status != 201:
            raise SourceError(f"{base}/registration answered {sent.status or 'nothing'}: {sent.detail[:200]}")
        answer = _answer(sent.detail)
        completion = answer.get("registrationCompletionUri")
        servers.complete(server.server_id, answer["publicKey"], answer["faspId"], str(completion or ""))
    except (SourceError, ValueError) as error:
        servers.forget(server.server_id)
        raise SourceError(str(error)) from error
    logger.info("FASP: registered with %s as server %s", base, server.server_id)
    return Registered(server.server_id, base, server.fingerprint, str(completion or ""))
