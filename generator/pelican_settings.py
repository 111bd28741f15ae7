"""The Pelican settings a Lectern build imposes, whatever pelicanconf.py says, so that URLs and ids stay stable.

`lectern build` passes these as overrides to Pelican's `read_settings`. A plain `pelican` run is a Pelican site with
Lectern added (`generator.pelican_site`), which builds its collections with these settings too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lectern.settings import Settings

# The plugin's name in PLUGINS: this package's import name, `lectern.generator`.
PLUGIN = __name__.rpartition(".")[0]
PLUGIN_NAMES = frozenset({PLUGIN, "generator"})  # the name before Lectern was packaged still works
RUNTIME = "LECTERN_RUNTIME"  # the Pelican setting that carries Lectern's validated settings in a Lectern build


def is_lectern_build(pelican_settings: Mapping[str, Any]) -> bool:
    """Whether Pelican runs a Lectern build (`lectern build`: Lectern owns the whole site), rather than an existing
    Pelican site that lists the plugin (`pelican`: the site is Pelican's, Lectern adds its collections)."""
    return isinstance(pelican_settings.get(RUNTIME), Settings)


def newest_first(content: Any) -> tuple[float, str]:
    """Pelican's article order, newest first, with ties broken by the file's path. Pelican gathers files in a set,
    whose order changes from one process to the next, so without the tie-break two resources added on the same day
    could swap places in feeds and tag pages between builds."""
    return (-content.date.timestamp(), str(content.source_path))


def pelican_overrides(
    settings: Settings,
    site: Any = None,
    preview: bool = False,
    unchanged: Any = None,
    articles: Any = None,
    quick_parts: Any = None,
) -> dict[str, Any]:
    """`site`, the content model `lectern build` already validated, saves the plugin from reading it again;
    `preview`, a build for `lectern serve --reload` (see `lectern.build.build_site`); `unchanged`, the
    `lectern.incremental_output.UnchangedFiles` the writers ask before writing a file; `articles`, the
    `generator.article_memo.ArticleMemo` of the articles the previous build made; `quick_parts`, the
    `generator.quick_parts.QuickParts` the plugin fills for the next build's quick rebuild."""
    return {
        "LECTERN_ARTICLE_MEMO": articles,
        "LECTERN_QUICK_PARTS": quick_parts,
        "LECTERN_SITE": site,
        "LECTERN_PREVIEW": preview,
        "LECTERN_UNCHANGED": unchanged,
        "SITEURL": settings.site_url,
        "PATH": str(settings.content_dir),
        "OUTPUT_PATH": str(settings.output_dir),
        "THEME": str(settings.theme_dir),
        "PLUGINS": [
            PLUGIN,
            *[p for p in settings.pelican.get("PLUGINS", []) if p not in PLUGIN_NAMES],
        ],
        RUNTIME: settings,
        "ARTICLE_PATHS": [""],
        "ARTICLE_EXCLUDES": ["pages"],
        "PAGE_PATHS": ["pages"],
        "IGNORE_FILES": [".#*", "collection.md"],
        "ARTICLE_URL": "{category}/{slug}/",
        "ARTICLE_SAVE_AS": "{category}/{slug}/index.html",
        "ARTICLE_TRANSLATION_ID": None,
        "ARTICLE_ORDER_BY": newest_first,
        "PAGE_TRANSLATION_ID": None,
        # Every resource has its own language and no translations: one URL scheme for all languages.
        "ARTICLE_LANG_URL": "{category}/{slug}/",
        "ARTICLE_LANG_SAVE_AS": "{category}/{slug}/index.html",
        "PAGE_LANG_SAVE_AS": "pages/{slug}/index.html",
        "DRAFT_SAVE_AS": "",
        "DRAFT_LANG_SAVE_AS": "",
        "USE_FOLDER_AS_CATEGORY": True,
        "CATEGORY_URL": "{slug}/",
        "CATEGORY_SAVE_AS": "",
        "CATEGORIES_SAVE_AS": "",
        "AUTHOR_SAVE_AS": "",
        "AUTHORS_SAVE_AS": "",
        "ARCHIVES_SAVE_AS": "",
        "TAG_URL": "tag/{slug}/",
        "TAG_SAVE_AS": "tag/{slug}/index.html",
        "TAGS_SAVE_AS": "",
        "DIRECT_TEMPLATES": ["index"],
        "PAGINATED_TEMPLATES": {"index": None, "tag": None},
        "DEFAULT_PAGINATION": False,
        "STATIC_PATHS": [],
        "THEME_STATIC_DIR": "theme",
        "FEED_DOMAIN": settings.site_url,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
        "FEED_ALL_RSS": None,
        "CATEGORY_FEED_RSS": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None,
        "TAG_FEED_ATOM": None,
        "FEED_MAX_ITEMS": 50,
        "TIMEZONE": settings.timezone,
        "RELATIVE_URLS": False,
        "DELETE_OUTPUT_DIRECTORY": False,
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "SLUGIFY_SOURCE": "basename",
    }
