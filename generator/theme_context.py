"""What the theme's templates read beyond Pelican's context: one frozen value per page, built from the content model.

`add_theme_context` runs at the end of `LecternGenerator.generate_context`, when every resource is paired with its
Pelican article. It adds `lectern_home` (a `HomePage`) to the context, a `page` (a `CollectionPage`) to each entry of
`lectern_collections`, and `lectern_page` to each article: a `ResourcePage`, made when a template first reads it
(`PageLater`: a rebuild renders the pages of the resources an edit touches, not all of them). The builders are
pure; the only input read from disk is the size of each hosted file.

Dates are shown in the site's time zone with English month names from a fixed table, not the process locale, so a
build gives the same bytes on every machine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lectern.content_types import media_type
from lectern.federation_shim import timestamp
from lectern.generator.assets import Asset, asset_url_function
from lectern.generator.card_image import CARD_ALT, CARD_HEIGHT, CARD_WIDTH
from lectern.generator.content_model import Collection, Resource, Site
from lectern.generator.conversation_view import Conversation, conversation_view
from lectern.generator.language_names import language_name
from lectern.generator.license_display import LicenseBadge, license_badge
from lectern.generator.licenses import License
from lectern.generator.link_cards import Card, CardImage, collection_image, meta_tags
from lectern.generator.site_index import Facet, facets, index_path
from lectern.generator.structured_data import collection_document, learning_resource, script_json, website_document
from lectern.settings import Settings
from lectern.site_paths import SitePaths

MONTHS = tuple("January February March April May June July August September October November December".split())
FILE_KINDS = {
    ".pdf": "PDF",
    ".csv": "CSV data",
    ".svg": "SVG image",
    ".png": "PNG image",
    ".jpg": "JPEG image",
    ".jpeg": "JPEG image",
    ".odt": "OpenDocument text",
    ".ods": "OpenDocument spreadsheet",
    ".odp": "OpenDocument slides",
    ".docx": "Word document",
    ".xlsx": "Excel spreadsheet",
    ".pptx": "PowerPoint slides",
    ".zip": "ZIP archive",
    ".txt": "Text",
    ".md": "Markdown text",
    ".epub": "EPUB book",
    ".mp3": "MP3 audio",
    ".mp4": "MP4 video",
    ".ipynb": "Jupyter notebook",
}
Meta = list[tuple[str, str, str]]
CARD_IMAGE = "lectern_card_image"  # the context's default card image, which a quick rebuild reads back


@dataclass(frozen=True)
class FollowBox:
    name: str  # what is followed: a collection's title or the site's name
    handle: str  # @python-basics@example.edu
    actor: str  # the actor's id, for remote-follow pages
    feed: str | None  # the Atom feed, for people without a Fediverse account


@dataclass(frozen=True)
class HostedFile:
    name: str
    url: str
    kind: str
    size: str


@dataclass(frozen=True)
class ResourcePage:
    """What a resource's page shows. Its `meta` tags and `json_ld` are made when the page is rendered, from the
    `card` and the resource, and not kept: on a site of thousands of resources they were a fifth of the build's
    memory, and an incremental build that need not render the page never makes them."""

    url: str
    card: Card
    link: str | None
    link_host: str | None
    files: tuple[HostedFile, ...]
    license: LicenseBadge
    language: str
    levels: tuple[str, ...]
    kind: str
    added: str
    added_iso: str
    updated: str | None
    updated_iso: str | None
    credit: str
    collection: Collection = field(repr=False)  # (in the page's key once per collection: `generator.page_memo`)
    collection_url: str
    curator: str
    feed: str | None
    resource: Resource = field(repr=False)  # (the page's key has it already: `generator.page_memo`)
    paths: SitePaths = field(repr=False)  # (the same for every page of a build)
    zone: ZoneInfo = field(repr=False, default=ZoneInfo("UTC"))  # the site's time zone (in the settings, the key)

    @property
    def meta(self) -> Meta:
        return meta_tags(self.card)

    @property
    def conversation(self) -> Conversation | None:
        """The approved replies and the counts under the page (None when there are none: the page shows nothing)."""
        if self.resource.conversation.is_empty:
            return None
        return conversation_view(self.url, self.resource.conversation, self.zone)

    @property
    def json_ld(self) -> str:
        files = {name: media_type(name) for name in self.resource.files}
        return script_json(learning_resource(self.resource, self.collection, self.paths, files))


@dataclass(frozen=True)
class CollectionPage:
    meta: Meta
    json_ld: str
    description_html: str
    facets: tuple[Facet, ...]
    index_url: str
    follow: FollowBox
    count: int
    languages: tuple[str, ...]
    image: str | None


@dataclass(frozen=True)
class HomePage:
    meta: Meta
    json_ld: str
    follow: FollowBox
    description: str
    feed: str | None


def display_date(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def iso_date(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def file_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000 or unit == "GB":
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def hosted_file(name: str, url: str, size: int) -> HostedFile:
    suffix = Path(name).suffix.lower()
    return HostedFile(name, url, FILE_KINDS.get(suffix, suffix.lstrip(".").upper() or "File"), file_size(size))


def credit_line(resource: Resource, source: str) -> str:
    """A TASL attribution (title, author, source, license), as Creative Commons recommends."""
    lic: License = resource.license
    if lic.identifier == "PDM-1.0":
        terms = "is marked with the Public Domain Mark 1.0"
    elif lic.identifier == "CC0-1.0":
        terms = "is dedicated to the public domain under CC0 1.0"
    else:
        terms = f"is licensed under {lic.name}"
    return f"“{resource.title}” by {', '.join(resource.authors)} ({source}) {terms} ({lic.uri})."


def default_card_image(site_url: str, assets: Mapping[str, Asset]) -> CardImage:
    return CardImage(asset_url_function(site_url, assets)("card.png"), CARD_ALT, CARD_WIDTH, CARD_HEIGHT)


def feed_url(site_url: str, pattern: object, slug: str = "") -> str | None:
    """The address of an Atom feed written by Pelican with `pattern` (`feeds/{slug}.atom.xml`), if it writes one."""
    return f"{site_url}/{pattern.format(slug=slug)}" if isinstance(pattern, str) and pattern else None


def follow_box(name: str, handle_name: str, settings: Settings, paths: SitePaths, feed: str | None) -> FollowBox:
    return FollowBox(name, f"@{handle_name}@{settings.host}", paths.actor(handle_name), feed)


def resource_page(
    resource: Resource,
    collection: Collection,
    settings: Settings,
    paths: SitePaths,
    default_card: CardImage,
    file_sizes: Mapping[str, int],
    feed: str | None = None,
) -> ResourcePage:
    url = paths.resource_page(resource.key)
    files = tuple(hosted_file(n, paths.file(collection.slug, n), file_sizes.get(n, 0)) for n in resource.files)
    image = collection_image(
        paths.file(collection.slug, collection.image) if collection.image else None, collection.title, default_card
    )
    card = Card(
        resource.title,
        resource.summary,
        url,
        image,
        settings.site_name,
        "article",
        timestamp(resource.added),
        timestamp(resource.last_changed),
        resource.tags,
        f"@{collection.slug}@{settings.host}",
    )
    zone = ZoneInfo(settings.timezone)
    return ResourcePage(
        url=url,
        card=card,
        link=resource.link,
        link_host=urlsplit(resource.link).hostname if resource.link else None,
        files=files,
        license=license_badge(resource.license),
        language=language_name(resource.language),
        levels=tuple(level.capitalize() for level in resource.levels),
        kind=resource.resource_type.capitalize(),
        added=display_date(resource.added, zone),
        added_iso=iso_date(resource.added, zone),
        updated=display_date(resource.updated, zone) if resource.updated else None,
        updated_iso=iso_date(resource.updated, zone) if resource.updated else None,
        credit=credit_line(resource, resource.link or url),
        collection=collection,
        collection_url=paths.collection_page(collection.slug),
        curator=collection.curator,
        feed=feed,
        resource=resource,
        paths=paths,
        zone=zone,
    )


def collection_page(
    collection: Collection,
    resources: Sequence[Resource],
    settings: Settings,
    paths: SitePaths,
    default_card: CardImage,
    render_markdown: Callable[[str], str],
    feed: str | None = None,
) -> CollectionPage:
    url = paths.collection_page(collection.slug)
    image_url = paths.file(collection.slug, collection.image) if collection.image else None
    card = Card(
        collection.title,
        collection.summary,
        url,
        collection_image(image_url, collection.title, default_card),
        settings.site_name,
        creator=f"@{collection.slug}@{settings.host}",
    )
    return CollectionPage(
        meta=meta_tags(card),
        json_ld=script_json(collection_document(collection, resources, paths)),
        description_html=render_markdown(collection.description) if collection.description else "",
        facets=facets(resources),
        index_url=paths.url(index_path(collection.slug)),
        follow=follow_box(collection.title, collection.slug, settings, paths, feed),
        count=len(resources),
        languages=tuple(sorted({language_name(r.language) for r in resources})),
        image=image_url,
    )


def home_page(
    site: Site, settings: Settings, paths: SitePaths, default_card: CardImage, feed: str | None = None
) -> HomePage:
    count = len(site.collections)
    description = settings.site_actor_summary or (
        f"Open educational resources chosen by teachers, in {count} collection{'s' if count != 1 else ''}: "
        "free to use, openly licensed, and followable from Mastodon and the rest of the Fediverse."
    )
    card = Card(settings.site_name, description, paths.home, default_card, settings.site_name)
    return HomePage(
        meta=meta_tags(card),
        json_ld=script_json(website_document(settings.site_name, description, paths, site.collections)),
        follow=follow_box(settings.site_name, settings.site_actor, settings, paths, feed),
        description=description,
        feed=feed,
    )


def tag_meta(tag: str, url: str, count: int, settings: Settings, default_card: CardImage) -> Meta:
    resources = f"{count} resource{'s' if count != 1 else ''}"
    description = f"{resources} tagged #{tag} on {settings.site_name}, from every collection."
    return meta_tags(Card(f"#{tag}", description, url, default_card, settings.site_name))


def add_theme_context(
    context: dict[str, Any],
    site: Site,
    settings: Settings,
    article_of: Mapping[str, Any],
    assets: Mapping[str, Asset],
    render_markdown: Callable[[str], str],
) -> None:
    """Give the templates their page data (see the module docstring). `context` holds Pelican's settings."""
    paths = SitePaths(settings.site_url)
    card = default_card_image(settings.site_url, assets)
    feeds = {c.slug: feed_url(settings.site_url, context.get("CATEGORY_FEED_ATOM"), c.slug) for c in site.collections}
    context["lectern_home"] = home_page(
        site, settings, paths, card, feed_url(settings.site_url, context.get("FEED_ALL_ATOM"))
    )
    context["lectern_default_meta"] = meta_tags(
        Card(settings.site_name, context["lectern_home"].description, paths.home, card, settings.site_name)
    )
    context["lectern_tag_meta"] = {
        tag.slug: tag_meta(str(tag), paths.url(tag.url), len(articles), settings, card)
        for tag, articles in context.get("tags", [])
    }
    for entry in context["lectern_collections"]:
        collection: Collection = entry["collection"]
        resources = [article.lectern for article in entry["articles"]]
        entry["page"] = collection_page(
            collection, resources, settings, paths, card, render_markdown, feeds[collection.slug]
        )
    context[CARD_IMAGE] = card
    collections = {c.slug: c for c in site.collections}
    for resource in site.resources:
        article = article_of.get(resource.key)
        if article is not None:
            collection = collections[resource.collection]
            article.lectern_page = page_later(resource, collection, settings, paths, card, feeds[collection.slug])


def page_later(
    resource: Resource, collection: Collection, settings: Settings, paths: SitePaths, card: CardImage, feed: str | None
) -> PageLater:
    """The `ResourcePage` of `resource`, made when first read; its hosted files' sizes are read now."""
    folder = settings.content_dir / resource.collection
    sizes = {name: (folder / name).stat().st_size for name in resource.files}
    return PageLater(resource, collection, sizes, feed, settings, paths, card)


class PageLater:
    """A resource's `ResourcePage`, made at the first read of one of its attributes (its own are all private, so a
    template reads the page's). What it is made from is known at once: the resource, its collection, its hosted
    files' sizes and its feed (`made_from`; the fingerprint of the resource's pages, `generator.page_memo`, hashes
    these, and the settings and theme are in the build cache's key)."""

    __slots__ = ("_card", "_collection", "_feed", "_page", "_paths", "_resource", "_settings", "_sizes")

    def __init__(
        self,
        resource: Resource,
        collection: Collection,
        sizes: Mapping[str, int],
        feed: str | None,
        settings: Settings,
        paths: SitePaths,
        card: CardImage,
    ) -> None:
        self._resource, self._collection, self._sizes, self._feed = resource, collection, sizes, feed
        self._settings, self._paths, self._card = settings, paths, card
        self._page: ResourcePage | None = None

    def made_from(self) -> tuple[Collection, Mapping[str, int], str | None]:
        """The page's collection, hosted files' sizes and feed."""
        return self._collection, self._sizes, self._feed

    def made(self) -> ResourcePage:
        if self._page is None:
            self._page = resource_page(
                self._resource, self._collection, self._settings, self._paths, self._card, self._sizes, self._feed
            )
        return self._page

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)


def markdown_renderer(pelican_settings: Mapping[str, Any]) -> Callable[[str], str]:
    """Markdown to HTML with the site's MARKDOWN options, as `generator.reader` renders the curator's notes."""
    from markdown import Markdown

    options = dict(pelican_settings.get("MARKDOWN", {}))
    options["extensions"] = [e for e in options.get("extensions", []) if "meta" not in str(e)]
    return lambda text: str(Markdown(**options).convert(text))
