"""A rebuild that follows the edit, not the site: after an edit of resources' notes, only their pages are rendered.

An incremental build (`lectern.build`) still passes over every resource: it checks every file, restores every
article Pelican made, and hashes what every page is made from, to find the few files an edit changed; on a site of
5,000 resources that is a third of a full build. Most edits are to a resource's notes, the Markdown below its
fields, and those show on one page only: the resource's own (`generator.quick_parts` says why). So each successful
build leaves a snapshot beside its cache (`SNAPSHOT_FILE`): the state of the content's files (`lectern.content_state`),
each resource as the build read it, and what the resource pages' template was given besides the article. The next
build compares the content with it, and when

- the settings, theme and code are the same (the build cache's fingerprint), the theme is Lectern's own (whose
  pages other than the resource's do not show the notes), Lectern is Pelican's only plugin, and the output is as the
  last build left it (`lectern.incremental_output.load_record`);
- no file was added or removed, git's state is the same (a commit can change the publication history), and every
  file that changed is a resource file, read without a problem, whose fields are all as before;
- no feed lists the resource (an Atom entry holds the notes) and its notes have no Pelican link (`{filename}...`,
  which needs every article),

it renders just those resources' pages, with Pelican's reader, generator and writer as a build does, moves the
changed ones into the output and records them. Anything else is a build as before, which the snapshot does not
survive until it ends. A preview build (`lectern serve --reload`) leaves a snapshot for previews only: it records
neither first publications nor a delivery manifest, so the real build after it is a whole one. The output is byte
for byte a full build's (`tests/lectern/test_quick_rebuild.py`).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lectern.build_cache import BuildCache, activated, cache_root, instance_public_key, tree_digest
from lectern.content_state import ContentState, edited_since
from lectern.errors import LecternError
from lectern.generator import indexed_pickles
from lectern.generator.content_model import Collection, Resource, Site
from lectern.generator.errors import Problem
from lectern.generator.quick_parts import Feed, QuickParts
from lectern.generator.resource_file import read_resource
from lectern.generator.resource_memo import ResourceMemo
from lectern.incremental_output import apply_files, build_lock, load_record, sparse_staging
from lectern.keys import check_public_key_pem
from lectern.resources import default_theme
from lectern.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["SNAPSHOT_FILE", "Snapshot", "forget_snapshot", "quick_rebuild", "save_snapshot"]

SNAPSHOT_FILE = "quick-rebuild.pickle"
PROTOCOL = indexed_pickles.PROTOCOL
HEAD = ""  # the snapshot's entry that is not a resource


@dataclass(frozen=True)
class Snapshot:
    """What a build leaves for a quick rebuild, besides each resource (see the module docstring)."""

    cache_key: str  # the build cache's folder: the fingerprint of the settings, theme and code
    state: ContentState
    collections: tuple[Collection, ...]
    resources: int
    feeds: tuple[Feed, ...]
    page_context: bytes
    # made by a preview build, which records neither first publications nor a delivery manifest: only a preview may
    # be quick after it (a real build must see and record what the preview did not)
    preview: bool = False


def forget_snapshot(output: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (cache_root(output) / SNAPSHOT_FILE).unlink()


def save_snapshot(
    output: Path,
    code: str,
    cache: BuildCache,
    state: ContentState,
    site: Site,
    parts: QuickParts,
    preview: bool = False,
) -> None:
    """Leave the snapshot of the build (a `preview` or not) that just made `output` from `site`, its content as
    `state` found it."""
    json_url = parts.json_url
    if parts.page_context is None or json_url is None:
        return
    head = Snapshot(
        cache.folder.name,
        state,
        site.collections,
        len(site.resources),
        tuple(parts.feeds),
        parts.page_context,
        preview,
    )
    entries = itertools.chain(
        [(HEAD, pickle.dumps(head, PROTOCOL), ())],
        # pickled as they are written: all at once, 8 MB on a site of 5,000 resources, were the peak of a full build
        ((r.source_path, pickle.dumps((r, json_url(r)), PROTOCOL), ()) for r in site.resources),
    )
    try:
        indexed_pickles.write(cache_root(output) / SNAPSHOT_FILE, code, entries)
    except (KeyError, pickle.PicklingError, TypeError, AttributeError):  # no snapshot: the next build is a whole one
        logger.debug("no snapshot for a quick rebuild", exc_info=True)


@dataclass(frozen=True)
class Edit:
    resource: Resource  # as the file now reads
    json_url: str
    file: Path


class NotQuick(Exception):
    """This rebuild cannot be a quick one: a build as before follows."""


def quick_rebuild(settings: Settings, code: str, state: ContentState, preview: bool = False) -> tuple[int, int] | None:
    """Rebuild `settings.output_dir` quickly, if this rebuild (a `preview` or not) can be (see the module docstring):
    the number of collections and resources built, or None (nothing was changed: a build as before is needed)."""
    output = settings.output_dir
    path = cache_root(output) / SNAPSHOT_FILE
    with build_lock(cache_root(output)):
        found = indexed_pickles.read(path, code)  # (under the lock: a build running elsewhere may be replacing it)
        if found is None:
            return None
        index, data = found
        try:
            snapshot: Snapshot = _entry(index, data, HEAD)
            if snapshot.preview and not preview:
                raise NotQuick("the last build was a preview")
            cache = _same_build(settings, snapshot)
            edits = _edits(settings, snapshot, state, index, data)
            record = load_record(cache.folder, output)
            if record is None:
                raise NotQuick("the output is not as the last build left it")
            staging = sparse_staging(cache.folder)
            made = _render_pages(settings, code, cache, snapshot, edits, staging)
        except NotQuick as reason:
            logger.info("a build of every resource follows: %s", reason)
            return None
        except Exception as error:  # noqa: BLE001 (nothing is changed yet: the build as before says what is wrong)
            logger.info("a build of every resource follows: %s: %s", type(error).__name__, error)
            logger.debug("the quick rebuild failed", exc_info=True)
            return None
        apply_files(cache.folder, staging, output, record, made)
        logger.info("quick rebuild: %d file(s) rendered", len(made))
        entries = [(HEAD, pickle.dumps(replace(snapshot, state=state), PROTOCOL), ())]
        edited = {edit.resource.source_path: edit for edit in edits}
        for key, (offset, length, *_kept) in index.items():
            if key == HEAD:
                continue
            edit = edited.get(key)
            entry = data[offset : offset + length] if edit is None else _pickled(edit)
            entries.append((key, entry, ()))
        indexed_pickles.write(path, code, entries)
    return len(snapshot.collections), snapshot.resources


def _pickled(edit: Edit) -> bytes:
    return pickle.dumps((edit.resource, edit.json_url), PROTOCOL)


def _entry(index: Mapping[str, tuple[Any, ...]], data: bytes, key: str) -> Any:
    where = index.get(key)
    if where is None:
        raise NotQuick(f"the snapshot has no {key!r}")
    try:
        return pickle.loads(data[where[0] : where[0] + where[1]])
    except Exception as error:  # noqa: BLE001 (a snapshot that cannot be read is no snapshot)
        raise NotQuick("the snapshot cannot be read") from error


def _same_build(settings: Settings, snapshot: Snapshot) -> BuildCache:
    """The build cache of this build, if its settings, theme and code are the snapshot's, and its theme Lectern's."""
    try:
        pem = settings.public_key_pem
        pem = check_public_key_pem(pem, "LECTERN_PUBLIC_KEY") if pem else instance_public_key(settings.instance_dir)
    except LecternError as error:
        raise NotQuick(str(error)) from error
    cache = BuildCache.for_build(replace(settings, public_key_pem=pem))
    if cache.folder.name != snapshot.cache_key:
        raise NotQuick("the settings, the theme or the code changed")
    theme = settings.theme_dir
    if theme != default_theme() and tree_digest(theme) != tree_digest(default_theme()):
        raise NotQuick("the theme is not Lectern's own")
    return cache


def _edits(
    settings: Settings, snapshot: Snapshot, state: ContentState, index: Mapping[str, Any], data: bytes
) -> list[Edit]:
    """The resources whose notes, and nothing else, changed since the snapshot."""
    changed = edited_since(snapshot.state, state)
    if changed is None:
        raise NotQuick("files were added or removed, or the git repository changed")
    collections = {c.slug: c for c in snapshot.collections}
    zone, now = ZoneInfo(settings.timezone), datetime.now(UTC)
    root = settings.content_dir.parent
    edits = []
    for name in changed:
        file = settings.content_dir / name
        rel = file.relative_to(root).as_posix()
        if rel not in index:
            raise NotQuick(f"{rel} changed, and it is not a resource's file")
        before: tuple[Resource, str] = _entry(index, data, rel)
        old, json_url = before
        collection = collections.get(old.collection)
        if collection is None:
            raise NotQuick(f"{rel} is not in a known collection")
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise NotQuick(f"{rel} cannot be read") from error
        problems: list[Problem] = []
        new = read_resource(file, rel, text, collection, zone, now, problems)
        if new is None or problems:
            raise NotQuick(f"{rel} has problems")
        new = replace(new, conversation=old.conversation)
        if new == old:
            continue
        if replace(new, notes=old.notes) != old:
            changed_fields = [f.name for f in fields(Resource) if getattr(new, f.name) != getattr(old, f.name)]
            raise NotQuick(f"{rel}: {', '.join(changed_fields)} changed")
        edits.append(Edit(new, json_url, file))
    return edits


def _render_pages(
    settings: Settings, code: str, cache: BuildCache, snapshot: Snapshot, edits: list[Edit], staging: Path
) -> list[str]:
    """Render the page of each edit, and each feed that lists one, into `staging` as a build does; their paths
    below it."""
    if not edits:
        return []
    from pelican import signals
    from pelican.contents import Article
    from pelican.generators import ArticlesGenerator
    from pelican.settings import read_settings
    from pelican.writers import Writer

    from lectern.generator.article_memo import ArticleMemo, usable
    from lectern.generator.pelican_settings import PLUGIN, pelican_overrides
    from lectern.generator.plugin import connect, pair_article
    from lectern.generator.quick_parts import kept_values
    from lectern.generator.theme_context import CARD_IMAGE, feed_url, page_later
    from lectern.site_paths import SitePaths

    built = replace(settings, output_dir=staging)
    pelican_settings = read_settings(str(settings.settings_file), override=pelican_overrides(built))
    if not usable(pelican_settings, PLUGIN):
        raise NotQuick("Pelican has other plugins")
    connect()
    context = pelican_settings.copy()
    context["generated_content"] = {}
    context.update(kept_values(snapshot.page_context))
    if CARD_IMAGE not in context:
        raise NotQuick("the snapshot has no card image")
    paths = SitePaths(settings.site_url)
    collections = {c.slug: c for c in snapshot.collections}
    made = []
    with activated(cache):
        generator = ArticlesGenerator(
            context=context,
            settings=pelican_settings,
            path=pelican_settings["PATH"],
            theme=pelican_settings["THEME"],
            output_path=str(staging),
        )
        writer = Writer(str(staging), settings=pelican_settings)

        def read(file: str) -> Any:
            article = generator.readers.read_file(
                base_path=generator.path,
                path=os.path.relpath(file, generator.path),
                content_class=Article,
                context=context,
                preread_signal=signals.article_generator_preread,
                preread_sender=generator,
                context_signal=signals.article_generator_context,
                context_sender=generator,
            )
            if _has_pelican_links(article):
                raise NotQuick(f"{file}: its notes have Pelican links")
            generator.add_source_path(article)
            generator.add_static_links(article)
            return article

        edited: dict[str, Any] = {}
        for edit in edits:
            article = edited[os.path.abspath(edit.file)] = read(os.fspath(edit.file))
            resource = edit.resource
            pair_article(article, resource, paths, edit.json_url)
            collection = collections[resource.collection]
            address = feed_url(settings.site_url, pelican_settings.get("CATEGORY_FEED_ATOM"), collection.slug)
            article.lectern_page = page_later(resource, collection, settings, paths, context[CARD_IMAGE], address)
            writer.write_file(
                article.save_as,
                generator.get_template(article.template),
                context,
                article=article,
                category=getattr(article, "category", None),
                override_output=hasattr(article, "override_save_as"),
                url=article.url,
                blog=True,
                relative_urls=pelican_settings["RELATIVE_URLS"],
            )
            made.append(article.save_as)
        feeds = [feed for feed in snapshot.feeds if any(file in edited for file in feed.files)]
        if feeds:
            others = {file for feed in feeds for file in feed.files if file not in edited}
            memo = ArticleMemo(cache.folder, code, _file_keys(settings, code, others))
            memo.open(pelican_settings, context)
            for file in others:
                article = memo.get(file)
                if article is not None and _has_pelican_links(article):  # (`read` checks the others)
                    raise NotQuick(f"{file}: its notes have Pelican links, and a feed shows them")
                edited[file] = article if article is not None else read(file)
        for feed in feeds:
            articles = [edited[file] for file in feed.files]
            writer.write_feed(articles, context, feed.path, feed.url, feed.feed_type, feed.override_output, feed.title)
            made.append(feed.path)
    return made


def _file_keys(settings: Settings, code: str, files: set[str]) -> dict[str, str]:
    """The resource memo's key of each of `files` (absolute paths of resource files), as `load_site` finds it."""
    memo, root = ResourceMemo(None, code), settings.content_dir.parent
    zone = ZoneInfo(settings.timezone)
    keys = {}
    for file in files:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise NotQuick(f"{file} cannot be read") from error
        keys[file] = memo.key(path.relative_to(root).as_posix(), text, path.parent.name, zone)
    return keys


def _has_pelican_links(article: Any) -> bool:
    """Whether the article's HTML has a link Pelican replaces (`{filename}other.md`: it needs every article)."""
    return article._get_intrasite_link_regex().search(article._content or "") is not None
