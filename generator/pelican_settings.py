"""The Pelican settings a Lectern build imposes, whatever pelicanconf.py says, so that URLs and ids stay stable.

`lectern build` passes these as overrides to Pelican's `read_settings`; a plain `pelican` run with our pelicanconf.py
gets the same values from the file itself.
"""

from __future__ import annotations

from typing import Any

from lectern.settings import Settings


def newest_first(content: Any) -> tuple[float, str]:
    """Pelican's article order, newest first, with ties broken by the file's path. Pelican gathers files in a set,
    whose order changes from one process to the next, so without the tie-break two resources added on the same day
    could swap places in feeds and tag pages between builds."""
    return (-content.date.timestamp(), str(content.source_path))


def pelican_overrides(
    settings: Settings, site: Any = None, preview: bool = False, unchanged: Any = None
) -> dict[str, Any]:
    """`site`, the content model `lectern build` already validated, saves the plugin from reading it again;
    `preview`, a build for `lectern serve --reload` (see `lectern.build.build_site`); `unchanged`, the
    `lectern.incremental_output.UnchangedFiles` the writers ask before writing a file."""
    return {
        "LECTERN_SITE": site,
        "LECTERN_PREVIEW": preview,
        "LECTERN_UNCHANGED": unchanged,
        "SITEURL": settings.site_url,
        "PATH": str(settings.content_dir),
        "OUTPUT_PATH": str(settings.output_dir),
        "THEME": str(settings.theme_dir),
        "PLUGINS": [
            "generator",
            *[p for p in settings.pelican.get("PLUGINS", []) if p != "generator"],
        ],
        "LECTERN_RUNTIME": settings,
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
