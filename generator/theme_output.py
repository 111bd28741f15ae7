"""The files the theme needs beside Pelican's pages, and the pages Pelican does not know: 404 and "gone".

`write_theme_output` runs in `LecternGenerator.generate_output` and writes the hashed theme assets
(`generator.assets`), each collection's JSON index (`generator.site_index`), `sitemap.xml` and `robots.txt`
(`generator.sitemap`) and `404.html` at the output root, which static hosts serve for a missing page.

`render_gone_page` renders `gone.html` for a resource that was deleted: the delivery side writes it at the deleted
resource's address (a tombstone), so old links tell visitors what happened and where the collection is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lectern.generator.assets import theme_assets, write_assets
from lectern.generator.content_model import Site
from lectern.generator.site_index import collection_index, index_path
from lectern.generator.sitemap import SITEMAP_FILE, robots_txt, sitemap_entries, sitemap_xml
from lectern.site_paths import SitePaths

NOT_FOUND_FILE = "404.html"


def _write_text(output: Path, relative: str, text: str) -> None:
    path = output / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_theme_output(
    output: Path,
    theme_dir: Path,
    site: Site,
    paths: SitePaths,
    context: Mapping[str, Any],
    write_page: Callable[..., None],
    get_template: Callable[[str], Any],
) -> None:
    """Write the theme's own files; `write_page` is Pelican's `writer.write_file`."""
    write_assets(output, theme_assets(theme_dir))
    for entry in context["lectern_collections"]:
        resources = [article.lectern for article in entry["articles"]]
        index = collection_index(entry["collection"], resources, paths)
        _write_text(
            output, index_path(entry["collection"].slug), json.dumps(index, ensure_ascii=False, separators=(",", ":"))
        )
    tag_pages = [
        (paths.url(tag.url), [a.lectern for a in articles if hasattr(a, "lectern")])
        for tag, articles in context.get("tags", [])
    ]
    other_pages = [
        (paths.url(page.url), getattr(page, "modified", None) or getattr(page, "date", None))
        for page in context.get("pages", [])
    ]
    entries = sitemap_entries(site, paths, tag_pages, other_pages)
    _write_text(output, SITEMAP_FILE, sitemap_xml(entries))
    _write_text(output, "robots.txt", robots_txt(paths))
    write_page(
        NOT_FOUND_FILE,
        get_template("404"),
        context,
        relative_urls=False,
        override_output=True,
        page_name="404",
    )


def render_gone_page(
    template: Any,
    context: Mapping[str, Any],
    title: str,
    collection: Mapping[str, Any] | None,
    kind: str = "resource",
) -> str:
    """The "gone" page of a deleted resource titled `title`; `collection` is its `lectern_collections` entry, or
    None when the collection is gone too. With `kind="collection"`, the page of a removed collection."""
    return str(
        template.render(
            {**context, "gone_title": title, "gone_collection": collection, "gone_kind": kind, "page_name": "gone"}
        )
    )
