"""The index's outgoing activities: Follow and Undo(Follow), signed and sent with the shim's `post_signed`.

A Follow gets a fresh id each time: the shim remembers processed activity ids, so re-following after an Undo with
the same id would be taken for a duplicate and ignored. The Undo embeds the Follow (id, actor, object), which is
how Mastodon and the shim find the follow to remove.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from lectern.discovery_index.config import IndexConfig
from lectern.federation_shim import InboxClient, PostResult, activity_body, follow, post_signed, undo


def follow_activity(config: IndexConfig, target: str) -> dict[str, Any]:
    return follow(f"{config.actor_id}/follows/{uuid.uuid4().hex}", config.actor_id, target)


def undo_follow_activity(config: IndexConfig, follow_id: str, target: str) -> dict[str, Any]:
    return undo(f"{follow_id}/undo", config.actor_id, follow(follow_id, config.actor_id, target, context=None))


@dataclass(frozen=True)
class Sender:
    """POSTs an activity from the index's actor to an inbox, signed with its key when sent."""

    config: IndexConfig
    client: InboxClient
    private_key: RSAPrivateKey

    async def __call__(self, inbox: str, activity: dict[str, Any]) -> PostResult:
        return await post_signed(
            self.client,
            inbox,
            activity_body(activity),
            key_id=self.config.key_id,
            private_key=self.private_key,
        )
