"""The theme's files in a real build, read without a browser: what link cards, search engines and harvesters see.

Every resource page carries a schema.org LearningResource with a canonical license URI, every page its Open Graph
and Twitter-card tags, the sitemap lists every HTML page, each collection has its JSON index, theme assets are
fingerprinted, the 404 page sits at the root, and the "gone" page renders for a deleted resource.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pelican import signals

from lectern.build import BuildFailed, build_site
from lectern.errors import LecternError
from lectern.generator.amb import RESOURCE_TYPE_TO_HCRT
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Resource
from lectern.generator.errors import ThemeError
from lectern.generator.licenses import find_license
from lectern.generator.vocabularies import HCRT, HIGHER_EDUCATION_SUBJECTS, SCHOOL_SUBJECTS
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from tests.conftest import copy_project, project_settings
from tests.generator.amb_validation import amb_errors
from tests.png_header import png_size

REQUIRED_LEARNING_RESOURCE = (
    "name",
    "description",
    "url",
    "license",
    "inLanguage",
    "educationalLevel",
    "learningResourceType",
    "about",
    "creator",
    "dateCreated",
    "dateModified",
    "datePublished",
    "isPartOf",
    "mainEntityOfPage",
    "isAccessibleForFree",
)
SUBJECT_VOCABULARIES = (SCHOOL_SUBJECTS, HIGHER_EDUCATION_SUBJECTS)
REQUIRED_CARD = (
    "og:type",
    "og:site_name",
    "og:title",
    "og:description",
    "og:url",
    "og:image",
    "og:image:alt",
    "twitter:card",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "description",
)


class PageHead(HTMLParser):
    """The parts of a page machines read: <meta>, <link>, JSON-LD scripts, `data-key` items, `lang`."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self.keys: list[str] = []
        self.lang = ""
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "meta" and ("property" in values or "name" in values):
            key = values.get("property") or values["name"]
            self.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link":
            self.links.append(values)
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")
        elif "data-key" in values:
            self.keys.append(values["data-key"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld[-1] += data

    def one(self, key: str) -> str:
        assert len(self.meta.get(key, [])) == 1, f"expected one <meta> {key}, found {self.meta.get(key)}"
        return self.meta[key][0]

    def link(self, rel: str) -> str:
        return next(link["href"] for link in self.links if link.get("rel") == rel)


def head(output: Path, paths: SitePaths, url: str) -> PageHead:
    return PageHead((output / paths.output_file(url)).read_text(encoding="utf-8"))


def indexes(output: Path) -> dict[str, dict[str, Any]]:
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(output.glob("*/resources.json"))
    }


def example_resource(settings: Settings) -> Resource:
    """A resource of the example content with tags and an update, whatever the content is today."""
    site, problems = load_site(settings.content_dir)
    assert problems == []
    return next(r for r in site.resources if r.tags and r.updated)


def html_pages(output: Path, paths: SitePaths) -> list[str]:
    """The URL of every HTML page of the build, except the 404 page."""
    urls = []
    for path in sorted(output.rglob("index.html")):
        relative = path.relative_to(output).as_posix()
        urls.append(paths.url(relative[: -len("index.html")]))
    return urls


def test_every_resource_page_carries_a_valid_amb_learning_resource(built_site: tuple[Settings, Path]) -> None:
    """Each example resource's JSON-LD validates against AMB's JSON schema (tests/generator/amb_schema), with its
    type, level and subject as concepts of KIM's vocabularies: what OER search engines harvest."""
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    checked = 0
    for slug, index in indexes(output).items():
        for entry in index["resources"]:
            page = head(output, paths, entry["url"])
            assert len(page.json_ld) == 1, entry["url"]
            document = json.loads(page.json_ld[0])
            assert amb_errors(document) == [], entry["url"]
            assert document["@context"][:2] == ["https://w3id.org/kim/amb/context.jsonld", "https://schema.org"]
            assert document["type"][0] == "LearningResource"
            missing = [name for name in REQUIRED_LEARNING_RESOURCE if not document.get(name)]
            assert missing == [], f"{entry['url']} lacks {missing}"
            license = find_license(entry["license"])
            assert license is not None and document["license"] == {"id": license.uri}
            assert document["name"] == entry["title"] and document["url"] == entry["url"] == page.link("canonical")
            assert document["id"] == document["mainEntityOfPage"][0]["id"] == entry["url"]
            assert document["inLanguage"] == [entry["language"].split("-")[0]]
            assert len(document["educationalLevel"]) == len(entry["level"])
            assert document["learningResourceType"][0]["id"] == HCRT + RESOURCE_TYPE_TO_HCRT[entry["type"]]
            assert all(concept["id"].startswith(SUBJECT_VOCABULARIES) for concept in document["about"])
            assert [creator["name"] for creator in document["creator"]] == entry["authors"]
            assert datetime.fromisoformat(document["datePublished"]) <= datetime.fromisoformat(document["dateModified"])
            assert document["isPartOf"] == [{"id": paths.collection_page(slug), "name": index["title"]}]
            for encoding in document.get("encoding", []):
                assert (output / paths.output_file(encoding["contentUrl"])).is_file()
            checked += 1
    assert checked == len(load_site(settings.content_dir)[0].resources) > 0


def test_every_page_has_open_graph_and_twitter_card_tags_with_a_png_picture(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    for url in html_pages(output, paths):
        page = head(output, paths, url)
        missing = [key for key in REQUIRED_CARD if not page.meta.get(key)]
        assert missing == [], f"{url} lacks {missing}"
        assert page.one("og:url") == page.link("canonical") == url
        image = page.one("og:image")
        assert image == page.one("twitter:image") and image.startswith(settings.site_url + "/")
        data = (output / paths.output_file(image)).read_bytes()
        assert png_size(data) == (int(page.one("og:image:width")), int(page.one("og:image:height"))) == (1200, 630)
        assert len(page.one("twitter:description")) <= 200
    resource = example_resource(settings)
    article = head(output, paths, paths.resource_page(resource.key))
    assert article.one("og:type") == "article"
    assert article.one("og:title") == resource.title
    assert article.one("article:published_time") == resource.added.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert article.meta["article:tag"] == list(resource.tags)
    assert article.one("fediverse:creator") == f"@{resource.collection}@127.0.0.1:8000"


def test_the_sitemap_lists_every_html_page_with_its_last_change(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.fromstring((output / "sitemap.xml").read_bytes())
    listed = {
        node.findtext("s:loc", "", namespace): node.findtext("s:lastmod", "", namespace)
        for node in root.findall("s:url", namespace)
    }
    assert sorted(listed) == sorted(html_pages(output, paths))
    assert all(lastmod and datetime.fromisoformat(lastmod) for lastmod in listed.values())
    resource = example_resource(settings)
    assert listed[paths.resource_page(resource.key)] == resource.last_changed.isoformat()
    assert listed[paths.home] == max(listed.values(), key=datetime.fromisoformat)
    assert (
        output / "robots.txt"
    ).read_text() == "User-agent: *\nAllow: /\n\nSitemap: http://127.0.0.1:8000/sitemap.xml\n"


def test_each_collection_has_a_json_index_of_the_items_on_its_page(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    found = indexes(output)
    assert sorted(found) == sorted(c.slug for c in load_site(settings.content_dir)[0].collections)
    for slug, index in found.items():
        page = head(output, paths, paths.collection_page(slug))
        assert page.keys == [entry["key"] for entry in index["resources"]]
        assert page.lang == "en"
        for entry in index["resources"]:
            assert (output / paths.output_file(entry["url"])).is_file()
            assert set(entry) >= {"level", "type", "language", "license", "title", "summary", "subjects", "tags"}
        assert f'data-index="{paths.url(f"{slug}/resources.json")}"' in (output / slug / "index.html").read_text(
            encoding="utf-8"
        )


def test_theme_assets_have_their_content_hash_in_their_name(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    assets = sorted((output / "theme").iterdir(), key=lambda p: re.sub(r"\.[0-9a-f]{8}\.", ".*.", p.name))
    assert [re.sub(r"\.[0-9a-f]{8}\.", ".*.", p.name) for p in assets] == [
        "card.*.png",
        "icon.*.svg",
        "lectern.*.css",
        "lectern.*.js",
    ]
    for asset in assets:
        assert asset.name.split(".")[-2] == hashlib.sha256(asset.read_bytes()).hexdigest()[:8]
    home = (output / "index.html").read_text(encoding="utf-8")
    for asset in assets[1:]:
        assert f"{settings.site_url}/theme/{asset.name}" in home
    for page in output.rglob("*.html"):
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://(?!127\.0\.0\.1:8000)', page.read_text()), (
            f"{page} loads something from another site"
        )


def test_the_404_page_sits_at_the_output_root_and_is_not_indexed(built_site: tuple[Settings, Path]) -> None:
    _settings, output = built_site
    html = (output / "404.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in html
    assert "This page is not here" in html
    assert all(f'href="http://127.0.0.1:8000/{slug}/"' in html for slug in indexes(output))


def test_the_gone_page_renders_for_a_deleted_resource(tmp_path: Path) -> None:
    rendered: dict[str, str] = {}

    def render(generators: list[Any]) -> None:
        lectern = next(g for g in generators if type(g).__name__ == "LecternGenerator")
        rendered["known"] = lectern.render_gone_page("Old <fractions> worksheet", "fractions")
        rendered["orphan"] = lectern.render_gone_page("A lost resource", "no-such-collection")

    signals.all_generators_finalized.connect(render)
    try:
        build_site(project_settings(copy_project(tmp_path / "project")))
    finally:
        signals.all_generators_finalized.disconnect(render)
    known = rendered["known"]
    assert "This resource is no longer here" in known
    assert "Old &lt;fractions&gt; worksheet" in known, "titles are escaped"
    assert 'href="http://127.0.0.1:8000/fractions/"' in known and "Fractions, from grade 3 to grade 6" in known
    assert '<meta name="robots" content="noindex">' in known
    assert PageHead(known).lang == "en"
    assert 'href="http://127.0.0.1:8000/"' in rendered["orphan"] and "/fractions/" not in rendered["orphan"]


def test_a_template_asking_for_a_missing_asset_stops_the_build_with_its_name(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    base = project / "themes" / "lectern" / "templates" / "base.html"
    base.write_text(base.read_text().replace("asset_url('lectern.css')", "asset_url('missing.css')"))
    with pytest.raises((ThemeError, BuildFailed)) as raised:
        build_site(project_settings(project))
    assert isinstance(raised.value, LecternError)
    assert "missing.css" in str(raised.value) and "lectern.css" in str(raised.value)
