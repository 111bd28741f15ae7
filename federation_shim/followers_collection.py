"""The followers collection of an actor (ActivityPub 5.3), served by the shim at the URL the actor names.

By default only `totalItems` is shown: a class's followers are students and colleagues, and listing them is a privacy
decision for the curator (`LECTERN['SHOW_FOLLOWERS'] = True` lists them, first page of up to 1,000).
"""

from __future__ import annotations

from typing import Any

from lectern.federation_shim.storage import FollowerStore
from lectern.federation_shim.vocabulary import ACTIVITYSTREAMS

PAGE_SIZE = 1000


def followers_collection(state: FollowerStore, collection_id: str, actor: str, show: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": ACTIVITYSTREAMS,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": state.follower_count(actor),
    }
    if show:
        document["orderedItems"] = [f.follower for f in state.followers_of(actor, limit=PAGE_SIZE)]
    return document
