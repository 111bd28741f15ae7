"""Lectern inside an existing Pelican site: the blog stays Pelican's, Lectern adds its collections.

A site that lists the plugin in `PLUGINS` and is built by `pelican` (not by `lectern build`) keeps its own posts,
pages, theme and URLs. Lectern takes only its collections: the folders of the content folder named in
`LECTERN['COLLECTIONS']`, or, when that is left out, every folder directly in it that holds a `collection.md`.

- `prepare` (signal `get_generators`, at the start of every run, `pelican --autoreload` included) reads Lectern's
  settings and validates the collections before Pelican reads or writes anything, so a problem stops the build with
  every problem listed; then it hides the collection folders from Pelican's own generators (`ARTICLE_EXCLUDES`,
  `PAGE_EXCLUDES`, `STATIC_EXCLUDES`). It adds no generator.
- `add_collections` (signal `finalized`, after the site is written) runs a Lectern build of the collections alone,
  with Lectern's own theme whatever the site's `THEME` is, into a scratch folder, and copies its pages, ActivityPub
  documents and files into the site's output. The site's own files win: Lectern's home page, 404 page, sitemap and
  robots.txt are not copied, nor any file the site wrote in this run.

An empty `SITEURL` (Pelican's default for local previews) gives Lectern the address `pelican --listen` serves,
`http://127.0.0.1:8000` (or `BIND` and `PORT`), with a warning: ActivityPub ids are absolute, so the published build
(`publishconf.py`) needs the real address. See docs/pelican-plugin.md.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lectern.errors import LecternError
from lectern.generator.content_loader import COLLECTION_FILE, load_site
from lectern.generator.content_model import Site
from lectern.generator.errors import Problem
from lectern.generator.pelican_settings import PLUGIN, is_lectern_build, pelican_overrides
from lectern.resources import default_theme
from lectern.settings import Settings, settings_from_mapping, site_url_from_environment

logger = logging.getLogger(__name__)

PLAN = "LECTERN_IN_PELICAN_SITE"  # the Pelican setting `prepare` leaves for `add_collections`, once per run
SITE_OWN_FILES = frozenset({"index.html", "404.html", "sitemap.xml", "robots.txt"})
# Settings of the site that Lectern's own pages use too.
CARRIED_SETTINGS = ("SITENAME", "DEFAULT_LANG", "MARKDOWN", "LECTERN")


class CollectionProblems(LecternError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"Lectern's collections have {len(problems)} problem(s); nothing was built:\n{lines}")


@dataclass(frozen=True)
class Plan:
    settings: Settings
    site: Site
    folders: frozenset[str]
    started: float  # when the site's build started: files written since are the site's own


def site_url(pelican_settings: Mapping[str, Any]) -> str:
    """The site's address for Lectern's ids: SITEURL, or for a local preview the address `pelican --listen` uses."""
    configured = site_url_from_environment() or pelican_settings.get("SITEURL") or ""
    if configured:
        return str(configured)
    local = f"http://{pelican_settings.get('BIND') or '127.0.0.1'}:{pelican_settings.get('PORT') or 8000}"
    logger.warning(
        "SITEURL is empty, so Lectern's ActivityPub ids use %s (what 'pelican --listen' serves); "
        "set SITEURL to the public address (in publishconf.py) before you publish",
        local,
    )
    return local


def lectern_settings(pelican_settings: Mapping[str, Any]) -> Settings:
    """Lectern's settings from the site's (already read) Pelican settings, with Lectern's own theme."""
    project = Path(pelican_settings["PATH"]).parent
    merged = {**pelican_settings, "SITEURL": site_url(pelican_settings)}
    return replace(settings_from_mapping(merged, project / "pelicanconf.py"), theme_dir=default_theme())


def collection_folders(settings: Settings) -> frozenset[str]:
    """The folders of the content folder that are Lectern's collections."""
    if settings.collections is not None:
        return frozenset(settings.collections)
    found = settings.content_dir.glob(f"*/{COLLECTION_FILE}")
    return frozenset(path.parent.name for path in found if not path.parent.name.startswith("."))


def prepare(pelican: Any) -> None:
    """Receiver for `get_generators`: validate Lectern's part and hide it from the site's own generators."""
    settings = pelican.settings
    if is_lectern_build(settings):
        return None
    started = time.time()
    lectern = lectern_settings(settings)
    folders = collection_folders(lectern)
    site, problems = load_site(
        lectern.content_dir, ZoneInfo(lectern.timezone), frozenset({lectern.site_actor}), folders=folders
    )
    if problems:
        raise CollectionProblems(problems)
    for key in ("ARTICLE_EXCLUDES", "PAGE_EXCLUDES", "STATIC_EXCLUDES"):
        excluded = list(settings.get(key) or [])
        settings[key] = excluded + sorted(folders - set(excluded))
    settings[PLAN] = Plan(lectern, site, folders, started)
    return None


def add_collections(pelican: Any) -> None:
    """Receiver for `finalized`: build the collections with Lectern's theme and copy them into the site."""
    plan = pelican.settings.get(PLAN)
    if is_lectern_build(pelican.settings) or not isinstance(plan, Plan):
        return
    from pelican import Pelican
    from pelican.settings import read_settings

    output = Path(pelican.settings["OUTPUT_PATH"])
    with tempfile.TemporaryDirectory(prefix="lectern-") as scratch:
        staging = Path(scratch) / "output"
        lectern = replace(plan.settings, output_dir=staging)
        carried = {key: pelican.settings[key] for key in CARRIED_SETTINGS if key in pelican.settings}
        override = {**carried, **pelican_overrides(lectern, plan.site), **collections_only(plan.folders)}
        Pelican(read_settings(None, override=override)).run()
        copy_into_site(staging, output, plan.started)
    logger.info("Lectern added %d collection(s) to %s", len(plan.site.collections), output)


def collections_only(folders: frozenset[str]) -> dict[str, Any]:
    """What Lectern's own build changes when it runs inside a Pelican site: only the collections are read, only
    Lectern is plugged in (the site's plugins ran on the site), and the all-resources feed does not take the
    site's `feeds/all.atom.xml`."""
    return {
        "PLUGINS": [PLUGIN],
        "ARTICLE_PATHS": sorted(folders),
        "ARTICLE_EXCLUDES": [],
        "PAGE_PATHS": [],
        "THEME_TEMPLATES_OVERRIDES": [],
        "FEED_ALL_ATOM": "feeds/collections.atom.xml",
    }


def copy_into_site(staging: Path, output: Path, started: float) -> None:
    """Copy Lectern's build into the site's output, leaving the site's own files alone."""
    for source in sorted(staging.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(staging)
        if relative.as_posix() in SITE_OWN_FILES:
            continue
        target = output / relative
        if target.exists() and target.stat().st_mtime >= started:
            logger.warning("Lectern did not write %s: the site itself wrote a file there", relative.as_posix())
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
