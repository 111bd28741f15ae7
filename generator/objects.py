"""A resource as ActivityStreams: the `Note` followers on microblogs see, the site actor's `Create` of it and its
collection's `Announce` of it; and the same resource as a `Page` in the collection's `Announce` of its `Create`, the
form FEP-1b12 groups (Lemmy and the like) take a community post in.

Why a Note: Mastodon renders only `Note` in full (an `Article` or `Page` shows its title and a link; a `Document` is
dropped), and it turns a Note's `summary` into a content warning. So the Note's `content` carries everything a
teacher scrolling a timeline needs: the title, the curator's summary, the link, license, level and type, and the
hashtags (as `Hashtag` tags, linked, so they are searchable). The educational metadata is also carried as
machine-readable schema.org LearningResource terms (see `lectern.vocabulary.OBJECT_TERMS`) for other software.

All functions here are pure: dict in, dict out, deterministic.
"""

from __future__ import annotations

from html import escape
from typing import Any

from lectern.content_types import media_type
from lectern.federation_shim import announce, create, timestamp
from lectern.generator.content_model import Collection, Resource
from lectern.generator.note_interactions import note_fields, quote_policy_of
from lectern.generator.publication_history import Publication
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT, PUBLIC

JSON = dict[str, Any]


def resource_links(resource: Resource, paths: SitePaths) -> list[str]:
    """Where the material itself is: the external link, then every file hosted with the site."""
    links = [resource.link] if resource.link else []
    links.extend(paths.file(resource.collection, name) for name in resource.files)
    return links


def _link(href: str, text: str | None = None) -> str:
    shown = text if text is not None else href.split("://", 1)[-1]
    return f'<a href="{escape(href)}" rel="nofollow noopener" target="_blank">{escape(shown)}</a>'


def note_content(resource: Resource, paths: SitePaths) -> str:
    """The Note's HTML: short, and within what Mastodon's sanitiser keeps (p, br, a, strong, span)."""
    lines = [
        f"<p><strong>{escape(resource.title)}</strong></p>",
        f"<p>{escape(resource.summary)}</p>",
    ]
    material = [_link(href) for href in resource_links(resource, paths)]
    lines.append(f"<p>{'<br>'.join(material)}</p>")
    facts = [
        f"License: {_link(resource.license.uri, resource.license.name)}",
        f"Level: {escape(', '.join(resource.levels))}",
        f"Type: {escape(resource.resource_type)}",
        f"By: {escape(', '.join(resource.authors))}",
    ]
    lines.append(f"<p>{'<br>'.join(facts)}</p>")
    if resource.tags:
        tags = " ".join(
            f'<a href="{escape(paths.tag_page(tag))}" class="mention hashtag" rel="tag">#<span>{escape(tag)}</span></a>'
            for tag in resource.tags
        )
        lines.append(f"<p>{tags}</p>")
    return "".join(lines)


def note_dates(resource: Resource, publication: Publication) -> tuple[str, str | None]:
    """The Note's `published` (its first publication) and `updated`: only for an edit after publication, as an
    earlier `updated` would mark the post as edited."""
    published = publication.published
    return timestamp(published), timestamp(resource.last_changed) if resource.last_changed > published else None


def material_attachments(resource: Resource, paths: SitePaths) -> list[JSON]:
    """The material itself, first what a follower should open: the external resource as a `Link`, each hosted file
    as a `Document` with its media type, address and name.

    Why attachments: Lemmy takes a post's link only from `attachment[0]` (a Link's `href`, or a Document's or
    Image's `url`: crates/apub/src/protocol/objects/page.rs, `Attachment::url`); Pixelfed drops a Note without
    attachments (app/Util/ActivityPub/Inbox.php). Mastodon turns a `Document` into a media attachment (a PDF is
    shown as a file link, an image inline: app/lib/activitypub/activity/create.rb, `process_attachments`) and skips
    a `Link`, which has no `url` (app/lib/activitypub/parser/media_attachment_parser.rb), so an external resource
    keeps Mastodon's preview card of the first link in `content`.
    """
    attachments: list[JSON] = []
    if resource.link:
        attachments.append({"type": "Link", "href": resource.link, "mediaType": "text/html", "name": resource.title})
    for name in resource.files:
        attachments.append(
            {
                "type": "Document",
                "mediaType": media_type(name),
                "url": paths.file(resource.collection, name),
                "name": f"{resource.title}: {name}",
            }
        )
    return attachments


def resource_to_note(
    resource: Resource, collection: Collection, paths: SitePaths, publication: Publication, site_actor: str
) -> JSON:
    """The resource as a Note by the site actor in its collection's group (FEP-1b12 `audience`), with its
    educational metadata.

    The author is the site actor (a `Service`): Lemmy accepts a post only from a Person, Service, Organization or
    Application (crates/apub/src/protocol/objects/person.rs, `UserTypes`), never from a Group, and finds the post's
    community from `audience` (or `to`/`cc`). `name` is the post's title for Lemmy (a Note's `name` is ignored by
    Mastodon, which shows `content` for a Note: `converted_object_type?` in app/lib/activitypub/activity/create.rb
    covers only Article, Page and the like). `published` is the first publication (see
    `generator.publication_history`), so the Note sorts at the top of followers' timelines when it is delivered.
    """
    content = note_content(resource, paths)
    published, updated = note_dates(resource, publication)
    note: JSON = {
        "@context": OBJECT_CONTEXT,
        "id": paths.object(resource.key, publication.generation),
        "type": "Note",
        "attributedTo": paths.actor(site_actor),
        "audience": paths.actor(collection.slug),
        "name": resource.title,
        "content": content,
        "contentMap": {resource.language: content},
        "url": paths.resource_page(resource.key),
        "published": published,
        "to": [PUBLIC],
        # the group first: Lemmy finds a post's community among `to` and `cc` (and checks `audience` against it:
        # crates/apub/objects/src/protocol/page.rs, `InCommunity`); Friendica reaches a group's followers through
        # its followers collection or `audience` (src/Protocol/ActivityPub/Receiver.php, `getReceivers`)
        "cc": [paths.actor(collection.slug), paths.followers(collection.slug), paths.followers(site_actor)],
        "sensitive": False,
        "tag": [{"type": "Hashtag", "href": paths.tag_page(tag), "name": f"#{tag}"} for tag in resource.tags],
        "attachment": material_attachments(resource, paths),
        "resourceUrl": resource_links(resource, paths),
        "license": resource.license.uri,
        "inLanguage": resource.language,
        "educationalLevel": list(resource.levels),
        "learningResourceType": resource.resource_type,
        "about": list(resource.subjects),
        "author": list(resource.authors),
        "dateCreated": timestamp(resource.added),
        "creditText": f"{resource.title} by {', '.join(resource.authors)}, {resource.license.name}",
        "keywords": list(resource.tags),
    }
    if updated is not None:
        note["updated"] = updated
    followers = paths.followers(collection.slug)
    note.update(note_fields(paths, resource.key, resource.conversation, quote_policy_of(collection.quotes), followers))
    return note


def resource_to_create(note: JSON, paths: SitePaths, resource: Resource, generation: int = 1) -> JSON:
    """The site actor's Create of the Note, embedded whole as Mastodon expects, for the site actor's followers."""
    return create(
        paths.create(resource.key, generation),
        note["attributedTo"],
        note,
        context=OBJECT_CONTEXT,
        audience=note["audience"],
        published=note["published"],
        to=note["to"],
        cc=note["cc"],
    )


def resource_to_page(note: JSON, paths: SitePaths, resource: Resource, generation: int = 1) -> JSON:
    """The resource as a `Page` for FEP-1b12 groups: Lemmy reads the Create of a `Page` inside a group's Announce as
    a post of that community, but the Create of a `Note` there as a comment, which must reply to a post
    (crates/apub/activities/src/community/announce.rs; `CreateOrUpdateNote` in protocol/note.rs requires
    `inReplyTo`). Mastodon would show a Page as a title and a link only, so microblogs get the Note."""
    page = dict(note)
    page["id"] = paths.page(resource.key, generation)
    page["type"] = "Page"
    page["mediaType"] = "text/html"
    return page


def resource_to_group_announce(page: JSON, paths: SitePaths, resource: Resource, generation: int = 1) -> JSON:
    """The collection's Announce of the site actor's Create of the Page, for its followers: how a FEP-1b12 group
    (Lemmy, PieFed, Mbin, NodeBB, Friendica) shares a post of its community (Lemmy's community/announce.rs), and
    what Lemmy reads from the collection's outbox when it first fetches the community (`community_outbox.rs` imports
    only such Announces of a post's Create).

    The Create is embedded, with an id that is a fragment of the Page's: it is not a document of its own, so
    Mastodon, which fetches an Announce's object when it is an activity, finds no Create there and keeps only the
    Announce of the Note (no second boost)."""
    shared = create(
        f"{page['id']}#create",
        page["attributedTo"],
        page,
        context=None,
        audience=page["audience"],
        published=page["published"],
        to=page["to"],
        cc=page["cc"],
    )
    return announce(
        paths.group_announce(resource.key, generation),
        page["audience"],
        shared,
        context=OBJECT_CONTEXT,
        audience=page["audience"],
        published=page["published"],
        to=[PUBLIC],
        cc=[paths.followers(resource.collection)],
    )


def resource_to_announce(note: JSON, paths: SitePaths, resource: Resource, generation: int = 1) -> JSON:
    """The collection's boost of the Note, for its followers on microblogs: Mastodon, Misskey, Pleroma and
    GoToSocial show a boost of a Note from an account one follows, but not an Announce of a Create. Lemmy sends
    the same second Announce for them ("Pleroma and Mastodon can't handle activities like Announce/Create/Page",
    crates/apub/src/activities/community/announce.rs)."""
    return announce(
        paths.announce(resource.key, generation),
        note["audience"],
        note["id"],
        context=OBJECT_CONTEXT,
        published=note["published"],
        to=[PUBLIC],
        cc=[paths.followers(resource.collection), note["attributedTo"]],
    )
