"""A resource as ActivityStreams: the `Note` followers see, its `Create`, and the site actor's `Announce` of it.

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

from generator.content_model import Collection, Resource
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT, PUBLIC

JSON = dict[str, Any]


def timestamp(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


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


def resource_to_note(resource: Resource, collection: Collection, paths: SitePaths) -> JSON:
    """The resource as the Note that followers of its collection see, with its educational metadata."""
    content = note_content(resource, paths)
    note: JSON = {
        "@context": OBJECT_CONTEXT,
        "id": paths.object(resource.key),
        "type": "Note",
        "attributedTo": paths.actor(collection.slug),
        "name": None,
        "content": content,
        "contentMap": {resource.language: content},
        "url": paths.resource_page(resource.key),
        "published": timestamp(resource.added),
        "updated": timestamp(resource.last_changed),
        "to": [PUBLIC],
        "cc": [paths.followers(collection.slug)],
        "sensitive": False,
        "tag": [{"type": "Hashtag", "href": paths.tag_page(tag), "name": f"#{tag}"} for tag in resource.tags],
        "resourceUrl": resource_links(resource, paths),
        "license": resource.license.uri,
        "inLanguage": resource.language,
        "educationalLevel": list(resource.levels),
        "learningResourceType": resource.resource_type,
        "about": list(resource.subjects),
        "author": list(resource.authors),
        "creditText": f"{resource.title} by {', '.join(resource.authors)}, {resource.license.name}",
        "keywords": list(resource.tags),
    }
    del note["name"]  # a Note has no title of its own: Mastodon would show `name` instead of `content`
    return note


def resource_to_create(note: JSON, paths: SitePaths, resource: Resource) -> JSON:
    """The collection's Create of the Note, embedded whole as Mastodon expects."""
    embedded = {key: value for key, value in note.items() if key != "@context"}
    return {
        "@context": OBJECT_CONTEXT,
        "id": paths.create(resource.key),
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": embedded,
    }


def resource_to_announce(note: JSON, paths: SitePaths, resource: Resource, site_actor: str) -> JSON:
    """The site actor's boost of the Note, for the site actor's followers."""
    return {
        "@context": OBJECT_CONTEXT,
        "id": paths.announce(resource.key),
        "type": "Announce",
        "actor": paths.actor(site_actor),
        "published": note["published"],
        "to": [PUBLIC],
        "cc": [paths.followers(site_actor), note["attributedTo"]],
        "object": note["id"],
    }
