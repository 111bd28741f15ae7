"""Actors: the site actor and one actor per collection, as static JSON-LD.

Why `Group` for a collection: a collection is a curated, followable feed that belongs to no one person, which is
what ActivityStreams means by Group, and Mastodon (since 4.x) accepts Group actors as followable accounts, showing
their posts in followers' home timelines. The site actor is a `Service`: Mastodon shows it as an automated account;
it boosts (`Announce`) every resource, because Mastodon discards a `Create` from an actor that nobody on the receiving
server follows but shows a boost from an account someone follows.

Each actor carries what Mastodon and Fedify read: `preferredUsername` (with the site's host, this is the handle that
WebFinger must answer for), `inbox`/`outbox`/`followers`/`following`, `endpoints.sharedInbox`, `publicKey`
(`<actor>#main-key`, owned by the actor), `discoverable`/`indexable` (Mastodon's opt-in to directories and search),
and FEP-2c59's `webfinger`.
"""

from __future__ import annotations

import mimetypes
from html import escape
from typing import Any

from generator.content_model import Collection
from generator.objects import JSON, timestamp
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTOR_CONTEXT


def _property(name: str, value_html: str) -> JSON:
    return {"type": "PropertyValue", "name": name, "value": value_html}


def _actor(
    settings: Settings,
    name: str,
    kind: str,
    display_name: str,
    summary_html: str,
    page: str,
    public_key_pem: str,
) -> JSON:
    paths = SitePaths(settings.site_url)
    actor_id = paths.actor(name)
    return {
        "@context": ACTOR_CONTEXT,
        "id": actor_id,
        "type": kind,
        "preferredUsername": name,
        "name": display_name,
        "summary": summary_html,
        "url": page,
        "inbox": paths.inbox(name),
        "outbox": paths.outbox(name),
        "followers": paths.followers(name),
        "following": paths.following(name),
        "endpoints": {"sharedInbox": paths.shared_inbox},
        "manuallyApprovesFollowers": False,
        "discoverable": settings.discoverable,
        "indexable": settings.indexable,
        "webfinger": f"{name}@{settings.host}",
        "publicKey": {"id": paths.key_id(name), "owner": actor_id, "publicKeyPem": public_key_pem},
    }


def collection_actor(settings: Settings, collection: Collection, public_key_pem: str, published: Any | None) -> JSON:
    paths = SitePaths(settings.site_url)
    page = paths.collection_page(collection.slug)
    actor = _actor(
        settings,
        collection.slug,
        "Group",
        collection.title,
        f"<p>{escape(collection.summary)}</p>",
        page,
        public_key_pem,
    )
    if published is not None:
        actor["published"] = timestamp(published)
    if collection.image:
        media_type = mimetypes.guess_type(collection.image)[0] or "application/octet-stream"
        actor["icon"] = {
            "type": "Image",
            "mediaType": media_type,
            "url": paths.file(collection.slug, collection.image),
        }
    actor["attachment"] = [
        _property("Curator", escape(collection.curator)),
        _property(
            "Website",
            f'<a href="{escape(page)}" rel="me nofollow noopener" target="_blank">'
            f"{escape(page.split('://', 1)[1])}</a>",
        ),
    ]
    actor["tag"] = [{"type": "Hashtag", "href": paths.tag_page(t), "name": f"#{t}"} for t in collection.tags]
    actor["@context"] = [*ACTOR_CONTEXT[:-1], {**ACTOR_CONTEXT[-1], "Hashtag": "as:Hashtag"}]
    return actor


def site_actor(settings: Settings, public_key_pem: str, collections: tuple[Collection, ...]) -> JSON:
    paths = SitePaths(settings.site_url)
    summary = settings.site_actor_summary or (
        f"Every open educational resource published on {settings.site_name}, from "
        f"{len(collections)} collection{'s' if len(collections) != 1 else ''}. "
        "Follow a collection to get only its resources."
    )
    actor = _actor(
        settings,
        settings.site_actor,
        "Service",
        settings.site_name,
        f"<p>{escape(summary)}</p>",
        paths.home,
        public_key_pem,
    )
    actor["attachment"] = [
        _property(
            c.title,
            f'<a href="{escape(paths.collection_page(c.slug))}" rel="nofollow noopener" '
            f'target="_blank">@{escape(c.slug)}@{escape(settings.host)}</a>',
        )
        for c in collections[:4]
    ]
    return actor
