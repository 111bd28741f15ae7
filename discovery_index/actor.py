"""The index as an ActivityPub actor: a `Service` that follows collections, and its WebFinger answer.

Servers that receive the index's Follow fetch this actor for its inbox and its key (`/actor#main-key`); the shim's
and Fedify's checks are the same as for any follower. `indexable: false` and `discoverable: false`: the index is a
robot, not something to list or search. The outbox is empty; `following` shows a count only.
"""

from __future__ import annotations

from typing import Any

from lectern.discovery_index.config import ACTOR_NAME, IndexConfig
from lectern.federation_shim import WebFingerAccount, jrd
from lectern.vocabulary import ACTIVITYSTREAMS, ACTOR_CONTEXT


def actor_document(config: IndexConfig, public_key_pem: str) -> dict[str, Any]:
    return {
        "@context": ACTOR_CONTEXT,
        "id": config.actor_id,
        "type": "Service",
        "preferredUsername": ACTOR_NAME,
        "name": config.name,
        "summary": "<p>Indexes the open educational resources of the Lectern sites (and Fediverse actors) it follows, "
        f'for one search across all of them: <a href="{config.public_url}/">{config.host}</a>.</p>',
        "url": f"{config.public_url}/",
        "inbox": config.inbox,
        "outbox": f"{config.public_url}/outbox",
        "followers": f"{config.public_url}/followers",
        "following": f"{config.public_url}/following",
        "endpoints": {"sharedInbox": config.inbox},
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
        "webfinger": f"{ACTOR_NAME}@{config.host}",
        "publicKey": {"id": config.key_id, "owner": config.actor_id, "publicKeyPem": public_key_pem},
    }


def empty_collection(url: str, total: int = 0) -> dict[str, Any]:
    return {"@context": ACTIVITYSTREAMS, "id": url, "type": "OrderedCollection", "totalItems": total}


def webfinger_answer(config: IndexConfig, resource: str | None) -> tuple[int, dict[str, Any]]:
    """(status, body) for `resource`: `acct:index@host` or the actor's URL."""
    if not resource:
        return 400, {"error": "missing_resource", "detail": "add ?resource=acct:name@host to the request"}
    wanted = resource.strip().removeprefix("acct:").removeprefix("@")
    if wanted not in (f"{ACTOR_NAME}@{config.host}", config.actor_id, f"{config.public_url}/"):
        return 404, {"error": "not_found", "detail": f"{resource} is not an account of this index"}
    account = WebFingerAccount(config.actor_id, f"{config.public_url}/")
    return 200, jrd(ACTOR_NAME, config.host, account, aliases=[config.actor_id])
