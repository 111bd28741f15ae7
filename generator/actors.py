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

Pictures: `icon` (the avatar) and `image` (the header) are PNGs rendered for each actor by `generator.actor_images`,
never the collection's own file, which may be an SVG that Mastodon refuses.

Credit under link previews: the collection and resource pages name the collection's actor in
`<meta name="fediverse:creator">` (`generator.theme_context`). Mastodon shows that account under the link card only
when the account lists the page's domain: `FetchLinkCardService#attempt_opengraph` sets the card's author to the
resolved account `if linked_account&.can_be_attributed_from?(domain)`, where `domain` is the `normalized_host` of the
page's canonical URL (app/services/fetch_link_card_service.rb), and `can_be_attributed_from?` accepts that host or
any parent domain of it found in the account's `attribution_domains`
(app/models/concerns/account/attribution_domains.rb), which Mastodon fills from the actor's `attributionDomains`
(`toot:attributionDomains`, app/helpers/context_helper.rb). So every actor (the collections the pages name, and
the site actor, the author of every resource) lists the site's host name, without a port, as `normalized_host` has
none.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from lectern.federation_shim import timestamp
from lectern.generator.actor_images import ActorImages
from lectern.generator.content_model import Collection
from lectern.generator.objects import JSON
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTOR_CONTEXT


def _property(name: str, value_html: str) -> JSON:
    return {"type": "PropertyValue", "name": name, "value": value_html}


def attribution_domain(settings: Settings) -> str:
    """The site's host name as Mastodon compares it with a link card's: lower case, no port."""
    return (urlsplit(settings.site_url).hostname or "").lower()


def _actor(
    settings: Settings,
    name: str,
    kind: str,
    display_name: str,
    summary_html: str,
    page: str,
    public_key_pem: str,
    images: ActorImages | None,
) -> JSON:
    paths = SitePaths(settings.site_url)
    actor_id = paths.actor(name)
    actor: JSON = {
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
        "attributionDomains": [attribution_domain(settings)],
        "publicKey": {"id": paths.key_id(name), "owner": actor_id, "publicKeyPem": public_key_pem},
    }
    if images is not None:
        actor["icon"] = images.icon.to_json(paths)
        actor["image"] = images.header.to_json(paths)
    return actor


def collection_actor(
    settings: Settings,
    collection: Collection,
    public_key_pem: str,
    published: Any | None,
    images: ActorImages | None = None,
) -> JSON:
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
        images,
    )
    if published is not None:
        actor["published"] = timestamp(published)
    # a classroom collection: Mastodon then shows "Follow request" and waits for our Accept (lectern review)
    actor["manuallyApprovesFollowers"] = collection.classroom
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


def site_actor(
    settings: Settings,
    public_key_pem: str,
    collections: tuple[Collection, ...],
    images: ActorImages | None = None,
) -> JSON:
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
        images,
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
