"""An actor document (plain JSON) -> the CollectionRecord the index keeps for it.

Lectern's collection actors are `Group`s with a `Curator` PropertyValue in `attachment`, hashtags in `tag`, an HTML
page in `url`, and Mastodon's `indexable`/`discoverable` flags (`generator.actors`); any other actor gives its name,
summary and flags. `indexable: false` means the actor's posts must not be indexed; the index still records the
actor, so `lectern index list` can say why nothing of it is searchable.
"""

from __future__ import annotations

from typing import Any

from lectern.discovery_index.html_text import html_to_text, is_web_url
from lectern.discovery_index.note_record import MAX_ITEMS, MAX_SUMMARY, MAX_TITLE, clip, text_of, types_of
from lectern.discovery_index.records import CollectionRecord
from lectern.federation_shim import server_of

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})


def is_actor(document: dict[str, Any]) -> bool:
    return bool(types_of(document) & ACTOR_TYPES) and is_web_url(document.get("id"))


def _curator(document: dict[str, Any]) -> str:
    attachments = document.get("attachment")
    for item in attachments[:MAX_ITEMS] if isinstance(attachments, list) else []:
        if isinstance(item, dict) and item.get("name") == "Curator" and isinstance(item.get("value"), str):
            return clip(html_to_text(item["value"]).text, MAX_TITLE)
    return ""


def _hashtags(document: dict[str, Any]) -> tuple[str, ...]:
    tags = document.get("tag")
    names = [
        text_of(tag.get("name")).lstrip("#")
        for tag in (tags[:MAX_ITEMS] if isinstance(tags, list) else [])
        if isinstance(tag, dict) and "Hashtag" in types_of(tag)
    ]
    return tuple(dict.fromkeys(name for name in names if name))


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def actor_to_record(document: dict[str, Any], fetched_at: float) -> CollectionRecord | None:
    """The record for an actor document (already fetched from its id), or None if it is not a usable actor."""
    if not is_actor(document):
        return None
    actor_id = str(document["id"])
    inbox = document.get("inbox")
    if not is_web_url(inbox):
        return None
    username = text_of(document.get("preferredUsername"), 100)
    host = server_of(actor_id)
    summary = document.get("summary")
    icon = document.get("icon")
    icon_url = icon.get("url") if isinstance(icon, dict) else None
    page = document.get("url")
    outbox = document.get("outbox")
    return CollectionRecord(
        actor_id=actor_id,
        instance=host,
        handle=f"@{username}@{host}" if username else actor_id,
        kind=sorted(types_of(document) & ACTOR_TYPES)[0],
        name=text_of(document.get("name"), MAX_TITLE) or username or actor_id,
        summary=clip(html_to_text(summary).text, MAX_SUMMARY) if isinstance(summary, str) else "",
        curator=_curator(document),
        url=str(page) if is_web_url(page) else actor_id,
        inbox=str(inbox),
        tags=_hashtags(document),
        icon=str(icon_url) if is_web_url(icon_url) else "",
        indexable=_flag(document.get("indexable")),
        outbox=str(outbox) if is_web_url(outbox) else "",
        fetched_at=fetched_at,
    )
