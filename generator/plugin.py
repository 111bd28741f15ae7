"""The Pelican side of the plugin: signal receivers and the generator that writes Lectern's files.

`connect()` registers our Markdown reader (`readers_init`) and `LecternGenerator` (`get_generators`). The generator
runs after Pelican's ArticlesGenerator: in `generate_context` it loads the content model and pairs each resource with
its Pelican article (for the templates); in `generate_output` it writes, beside the HTML, every actor, outbox,
object and activity (see `lectern.site_paths` for the layout), the discovery documents, the collection pages, and
the files hosted with the site.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.generators import Generator

from lectern import __version__
from lectern.build_cache import active, instance_public_key
from lectern.generator.actor_images import write_actor_images
from lectern.generator.actors import collection_actor, site_actor
from lectern.generator.article_lists import use_article_lists
from lectern.generator.assets import install_theme_globals, theme_assets
from lectern.generator.background_files import PAGE_FOLDERS, LecternWriter, finish_all, page_folders
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Collection, Resource, Site
from lectern.generator.errors import ContentError
from lectern.generator.json_files import JsonFiles
from lectern.generator.json_files import json_text as json_text  # delivery_output's import
from lectern.generator.note_interactions import conversation_documents
from lectern.generator.objects import (
    JSON,
    resource_to_announce,
    resource_to_create,
    resource_to_group_announce,
    resource_to_note,
    resource_to_page,
)
from lectern.generator.outboxes import empty_collection, outbox_item_text, outbox_texts
from lectern.generator.page_memo import article_fingerprint, resource_key
from lectern.generator.pelican_settings import is_lectern_build
from lectern.generator.publication_history import FirstPublished, PublicationHistory, read_publication_history
from lectern.generator.reader import LecternMarkdownReader
from lectern.generator.theme_context import add_theme_context, markdown_renderer
from lectern.generator.theme_output import render_gone_page, write_theme_output
from lectern.generator.well_known import (
    NODEINFO_VERSIONS,
    host_meta,
    nodeinfo,
    nodeinfo_links,
    nodeinfo_path,
    webfinger_index,
)
from lectern.settings import Settings, settings_from_mapping
from lectern.site_paths import WEBFINGER_INDEX_FILE, SitePaths

logger = logging.getLogger(__name__)


def connect() -> None:
    signals.readers_init.connect(add_reader)
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(theme_globals)
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(finish_all)
    signals.article_generator_pretaxonomy.connect(use_article_lists)


def get_writer(pelican: Any) -> type[LecternWriter] | None:
    """Lectern's writer (files written in the background, only those whose bytes changed) in a Lectern build; a
    Pelican site's own build keeps Pelican's."""
    return LecternWriter if is_lectern_build(pelican.settings) else None


def add_reader(readers: Any) -> None:
    if not is_lectern_build(readers.settings):  # a Pelican site's own posts keep its Markdown reader
        return
    for extension in LecternMarkdownReader.file_extensions:
        readers.reader_classes[extension] = LecternMarkdownReader


def get_generators(pelican: Any) -> type[Generator] | None:
    """Only in a Lectern build; in a Pelican site that adds Lectern, `generator.pelican_site` runs one itself."""
    return LecternGenerator if is_lectern_build(pelican.settings) else None


def theme_globals(generator: Any) -> None:
    if is_lectern_build(generator.settings):  # a Pelican site's own theme is left as it is
        install_theme_globals(generator)
        cache = active()
        if cache is not None:  # the templates compiled by an earlier build
            generator.env.bytecode_cache = cache.template_bytecode()


def lectern_settings(pelican_settings: dict[str, Any]) -> Settings:
    runtime = pelican_settings.get("LECTERN_RUNTIME")
    if isinstance(runtime, Settings):
        return runtime
    project = Path(pelican_settings["PATH"]).parent
    return settings_from_mapping(pelican_settings, project / "pelicanconf.py")


class PreviewFirstPublished(FirstPublished):
    """What a preview build (`lectern serve --reload`) knows of first publications: it reads the record, but a
    resource it sees first is not recorded as published, since followers will only see it from a real build."""

    def save(self) -> None:
        pass


def first_published(instance_dir: Path, preview: bool) -> FirstPublished:
    folder = instance_dir if instance_dir.is_dir() else None
    return PreviewFirstPublished(folder) if preview else FirstPublished(folder)


def in_content(resource: Resource) -> str:
    """Where `resource` is in the content folder: `<collection>/<file>.md`."""
    return f"{resource.collection}/{PurePosixPath(resource.source_path).name}"


def newest_first(resources: tuple[Resource, ...]) -> list[Resource]:
    return sorted(resources, key=lambda r: (r.added, r.key), reverse=True)


class LecternGenerator(Generator):  # type: ignore[misc]
    """Writes Lectern's ActivityPub and discovery files; see the module docstring."""

    def generate_context(self) -> None:
        self.lectern = lectern_settings(self.settings)
        site = self.settings.get("LECTERN_SITE")  # `lectern build` validated it already
        if not isinstance(site, Site):
            site, problems = load_site(
                self.lectern.content_dir,
                ZoneInfo(self.lectern.timezone),
                frozenset({self.lectern.site_actor}),
            )
            if problems:
                raise ContentError(problems)
        self.site: Site = site
        self.paths = SitePaths(self.lectern.site_url)
        # a resource is content/<collection>/<file>.md: its place in the content folder, without asking the file
        # system (resolving 15,000 paths was a tenth of a rebuild)
        live = {in_content(r): r.key for r in site.resources}
        self.history: PublicationHistory = read_publication_history(
            self.lectern.content_dir,
            live,
            {c.slug for c in site.collections},
            # a CI build (public key from the environment) has no instance folder, and its content is all in git
            first_published(self.lectern.instance_dir, preview=bool(self.settings.get("LECTERN_PREVIEW"))),
        )
        self.context["lectern_history"] = self.history
        content = os.path.abspath(self.settings["PATH"])
        articles = {
            os.path.relpath(os.path.abspath(a.source_path), content).replace(os.sep, "/"): a
            for a in self.context.get("articles", [])
        }
        self.article_of: dict[str, Any] = {}
        for resource in site.resources:
            article = articles.get(in_content(resource))
            if article is not None:
                article.lectern = resource
                article.json_url = self.paths.object(resource.key, self.history.publications[resource.key].generation)
                article.resource_links = [resource.link] if resource.link else []
                article.resource_links += [self.paths.file(resource.collection, f) for f in resource.files]
                self.article_of[resource.key] = article
        self.context["lectern_site"] = site
        self.context["lectern_host"] = self.lectern.host
        self.context["lectern_site_actor"] = self.lectern.site_actor
        self.context["lectern_collections"] = [
            {
                "collection": collection,
                "url": self.paths.collection_page(collection.slug),
                "actor": self.paths.actor(collection.slug),
                "handle": f"@{collection.slug}@{self.lectern.host}",
                "image": self.paths.file(collection.slug, collection.image) if collection.image else None,
                "articles": [
                    self.article_of[r.key]
                    for r in newest_first(site.resources_of(collection.slug))
                    if r.key in self.article_of
                ],
            }
            for collection in site.collections
        ]
        add_theme_context(
            self.context,
            site,
            self.lectern,
            self.article_of,
            theme_assets(Path(self.theme)),
            markdown_renderer(self.settings),
        )
        for article in self.article_of.values():
            article.lectern_fingerprint = article_fingerprint(article)
        if getattr(self.settings.get("LECTERN_UNCHANGED"), "fresh", True):  # a full build: no folder is made yet
            self.settings[PAGE_FOLDERS] = page_folders(self.output_path, self.context)

    def generate_output(self, writer: Any) -> None:
        output = Path(self.output_path)
        public_pem = self.lectern.public_key_pem or instance_public_key(self.lectern.instance_dir)
        background = writer.background if isinstance(writer, LecternWriter) else None
        self.files = JsonFiles(output, background, active(), self.settings.get("LECTERN_UNCHANGED"))
        self._write_activitypub(output, public_pem)
        self._write_well_known(output)
        self._copy_files(output)
        self._write_collection_pages(writer)
        write_theme_output(
            output, Path(self.theme), self.site, self.paths, self.context, writer.write_file, self.get_template
        )
        if background is not None:
            background.drain()  # the delivery manifest, written next, reads the objects back

    def render_gone_page(self, title: str, collection_slug: str) -> str:
        """The HTML of the "gone" page for a deleted resource titled `title` that was in `collection_slug`."""
        entry = next((e for e in self.context["lectern_collections"] if e["collection"].slug == collection_slug), None)
        return render_gone_page(self.get_template("gone"), self.context, title, entry)

    def _write_activitypub(self, output: Path, public_pem: str) -> None:
        """Per resource: the Note, the site actor's Create of it and the collection's Announce of it; the Page and the
        collection's Announce of its Create (FEP-1b12). The site actor's outbox holds the Creates; each
        collection's, its Announces of the Pages' Creates (what Lemmy reads from a community's outbox)."""
        paths, settings, site = self.paths, self.lectern, self.site
        creates: list[tuple[tuple[Any, str], str]] = []  # (publication order, the Create as an outbox item)
        images = write_actor_images(output, site, settings.site_actor, settings.content_dir, Path(self.theme))
        for collection in site.collections:
            resources = site.resources_of(collection.slug)
            shared: list[str] = []
            for resource in self._by_publication(resources):
                publication = self.history.publications[resource.key]
                generation = publication.generation
                note = resource_to_note(resource, collection, paths, publication, settings.site_actor)
                create = resource_to_create(note, paths, resource, generation)
                page = resource_to_page(note, paths, resource, generation)
                group_announce = resource_to_group_announce(page, paths, resource, generation)
                announce = resource_to_announce(note, paths, resource, generation)
                conversation = conversation_documents(
                    paths, resource.key, note["id"], paths.actor(settings.site_actor), resource.conversation
                )
                documents = (note, create, page, group_announce, announce, *conversation.values())
                self.files.write_memoised(
                    resource_key(resource, collection, publication),
                    [(paths.output_file(document["id"]), document) for document in documents],
                )
                shared.append(outbox_item_text(group_announce))
                creates.append((self._publication_order(resource), outbox_item_text(create)))
            published = min((self.history.publications[r.key].published for r in resources), default=None)
            self._write_actor(
                output,
                collection.slug,
                collection_actor(settings, collection, public_pem, published, images[collection.slug]),
                shared,
            )
        ordered = [create for _, create in sorted(creates, key=lambda p: p[0], reverse=True)]
        actor = site_actor(settings, public_pem, site.collections, images[settings.site_actor])
        self._write_actor(output, settings.site_actor, actor, ordered)

    def _publication_order(self, resource: Resource) -> tuple[Any, str]:
        return (self.history.publications[resource.key].published, resource.key)

    def _by_publication(self, resources: tuple[Resource, ...]) -> list[Resource]:
        """Newest publication first: the order of outboxes (the pages keep the curator's `added` order)."""
        return sorted(resources, key=self._publication_order, reverse=True)

    def _write_actor(self, output: Path, name: str, actor: JSON, activities: list[str]) -> None:
        """The actor, its outbox of `activities` (serialised, `outbox_item_text`) and its following collection."""
        paths = self.paths
        self.files.write(paths.output_file(actor["id"]), actor)
        for identifier, text in outbox_texts(paths, name, activities, self.lectern.outbox_page_size):
            self.files.write_text(paths.output_file(identifier), text)
        self.files.write(
            paths.output_file(paths.following(name)),
            empty_collection(paths.following(name)),
        )

    def _write_well_known(self, output: Path) -> None:
        settings, paths, site = self.lectern, self.paths, self.site
        accounts = [(settings.site_actor, "Service", paths.home)]
        accounts += [(c.slug, "Group", paths.collection_page(c.slug)) for c in site.collections]
        self.files.write(WEBFINGER_INDEX_FILE, webfinger_index(settings, accounts))
        self.files.write(".well-known/nodeinfo", nodeinfo_links(settings))
        for version in NODEINFO_VERSIONS:
            self.files.write(
                nodeinfo_path(version),
                nodeinfo(settings, __version__, len(accounts), len(site.resources), version),
            )
        self.files.write_text(".well-known/host-meta", host_meta(settings))

    def _copy_files(self, output: Path) -> None:
        for collection in self.site.collections:
            names = [collection.image] if collection.image else []
            names += [name for r in self.site.resources_of(collection.slug) for name in r.files]
            for name in sorted(set(names)):
                target = output / collection.slug / "files" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.lectern.content_dir / collection.slug / name, target)

    def _write_collection_pages(self, writer: Any) -> None:
        template = self.get_template("collection")
        for entry in self.context["lectern_collections"]:
            collection: Collection = entry["collection"]
            writer.write_file(
                f"{collection.slug}/index.html",
                template,
                self.context,
                relative_urls=False,
                override_output=True,
                lectern_collection=entry,
                page_name=collection.slug,
                json_url=entry["actor"],
                lang=collection.language,
            )
