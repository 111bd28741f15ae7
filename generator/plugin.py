"""The Pelican side of the plugin: signal receivers and the generator that writes Lectern's files.

`connect()` registers our Markdown reader (`readers_init`) and `LecternGenerator` (`get_generators`). Made before
Pelican reads any content, the generator writes every actor, outbox, object and activity at once, from the content
model (`generator.activitypub_output`; see `lectern.site_paths` for the layout). It runs after Pelican's
ArticlesGenerator: in `generate_context` it pairs each resource with its Pelican article (for the templates); in
`generate_output` it writes, beside the HTML, the discovery documents, the collection pages, and the files hosted
with the site.
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
from lectern.generator import forked_work
from lectern.generator.activitypub_output import ActivityPubSite, write_activitypub, write_activitypub_forked
from lectern.generator.article_lists import use_article_lists
from lectern.generator.article_memo import ARTICLE_MEMO, ArticleMemo, usable
from lectern.generator.assets import install_theme_globals, theme_assets
from lectern.generator.background_files import (
    BACKGROUND,
    PAGE_FOLDERS,
    BackgroundFiles,
    LecternWriter,
    finish_all,
    page_folders,
)
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Collection, Resource, Site
from lectern.generator.errors import ContentError
from lectern.generator.json_files import JsonFiles
from lectern.generator.page_memo import article_fingerprint
from lectern.generator.pelican_settings import PLUGIN, is_lectern_build
from lectern.generator.publication_history import FirstPublished, PublicationHistory, read_publication_history
from lectern.generator.quick_parts import QUICK_PARTS, QuickParts, kept_context
from lectern.generator.reader import LecternMarkdownReader
from lectern.generator.tag_pages import write_tag_pages
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
    signals.article_generator_init.connect(use_article_memo)
    signals.article_generator_finalized.connect(write_article_memo)


def get_writer(pelican: Any) -> type[LecternWriter] | None:
    """Lectern's writer (files written in the background, only those whose bytes changed) in a Lectern build; a
    Pelican site's own build keeps Pelican's."""
    return LecternWriter if is_lectern_build(pelican.settings) else None


def use_article_memo(generator: Any) -> None:
    """In a Lectern build with a memo of articles (`generator.article_memo`), the articles generator takes from it
    the articles of unchanged files, and gives it those it makes (Pelican's cache methods, on this generator)."""
    memo = generator.settings.get(ARTICLE_MEMO)
    if not isinstance(memo, ArticleMemo) or not usable(generator.settings, PLUGIN):
        return
    memo.open(generator.settings, generator.context)
    base = generator.path

    def get_cached_data(name: str, default: Any = None) -> Any:
        article = memo.get(os.path.join(base, name))
        return default if article is None else article

    def cache_data(name: str, article: Any) -> None:
        memo.keep(os.path.join(base, name), article)

    generator.get_cached_data = get_cached_data
    generator.cache_data = cache_data


def write_article_memo(generator: Any) -> None:
    """Every article read: the memo of articles is written, in a forked process, while the build goes on."""
    memo = generator.settings.get(ARTICLE_MEMO)
    if isinstance(memo, ArticleMemo) and usable(generator.settings, PLUGIN):
        memo.write(len(generator.articles))


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


def pair_article(article: Any, resource: Resource, paths: SitePaths, json_url: str) -> None:
    """Give Pelican's `article` of `resource` what Lectern's templates read of it (besides `lectern_page`)."""
    # Pelican works the URL out from the settings at every ask (the build asks three times an article)
    article.override_url = article.url
    article.lectern = resource
    article.json_url = json_url
    article.resource_links = [resource.link] if resource.link else []
    article.resource_links += [paths.file(resource.collection, f) for f in resource.files]


def newest_first(resources: tuple[Resource, ...]) -> list[Resource]:
    return sorted(resources, key=lambda r: (r.added, r.key), reverse=True)


class LecternGenerator(Generator):  # type: ignore[misc]
    """Writes Lectern's ActivityPub and discovery files; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Pelican makes every generator before any reads its content: this one starts writing the ActivityPub
        documents now (`generator.activitypub_output`), in a process of their own, while Pelican reads and renders
        the articles."""
        super().__init__(*args, **kwargs)
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
        unchanged, cache, output = self.settings.get("LECTERN_UNCHANGED"), active(), Path(self.output_path)
        public_pem = self.lectern.public_key_pem or instance_public_key(self.lectern.instance_dir)
        made = ActivityPubSite(site, self.lectern, self.paths, self.history, public_pem, Path(self.theme))
        self.note_hashes: dict[str, str] = {}  # the delivery manifest's, from the forked process
        forked = write_activitypub_forked(made, output, cache, unchanged, self.note_hashes)  # waited for in output
        background = BackgroundFiles(unchanged=unchanged)
        self.settings[BACKGROUND] = background  # `LecternWriter` writes the pages through it too
        self.files = JsonFiles(output, background, cache, unchanged)
        if forked is None:
            write_activitypub(self.files, output, made)

    def generate_context(self) -> None:
        site = self.site
        self.context["lectern_history"] = self.history
        content = os.path.abspath(self.settings["PATH"])
        articles = {
            os.path.relpath(os.path.abspath(a.source_path), content).replace(os.sep, "/"): a
            for a in self.context.get("articles", [])
        }
        self.article_of: dict[str, Any] = {}
        quick = self.settings.get(QUICK_PARTS)
        if isinstance(quick, QuickParts):
            quick.json_url = self.json_url
        for resource in site.resources:
            article = articles.get(in_content(resource))
            if article is not None:
                pair_article(article, resource, self.paths, self.json_url(resource))
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
        quick = self.settings.get(QUICK_PARTS)
        if isinstance(quick, QuickParts):  # the context the resource pages were rendered with, just before
            quick.page_context = kept_context(self.context, self.settings)
        # the tag pages, in place of Pelican's articles generator (`generator.tag_pages`), while the forked parts end
        write_tag_pages(writer, self.get_template("tag"), self.context, self.settings)
        forked_work.wait_all()  # the documents and the cartridges (whose sizes the collection pages show)
        self.context["lectern_note_hashes"] = self.note_hashes
        output = Path(self.output_path)
        background = self.files.background
        self._write_well_known(output)
        self._copy_files(output)
        self._write_collection_pages(writer)
        write_theme_output(
            output, Path(self.theme), self.site, self.paths, self.context, writer.write_file, self.get_template
        )
        if background is not None:
            background.drain()  # the delivery manifest, written next, reads the objects back

    def json_url(self, resource: Resource) -> str:
        """Where the Note of `resource` is, in its current publication."""
        return self.paths.object(resource.key, self.history.publications[resource.key].generation)

    def render_gone_page(self, title: str, collection_slug: str) -> str:
        """The HTML of the "gone" page for a deleted resource titled `title` that was in `collection_slug`."""
        entry = next((e for e in self.context["lectern_collections"] if e["collection"].slug == collection_slug), None)
        return render_gone_page(self.get_template("gone"), self.context, title, entry)

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
