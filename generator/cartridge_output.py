"""Each collection's Common Cartridge, published beside its page: `/<collection>/<collection>.imscc`.

A Pelican generator, registered after `LecternGenerator` (see `generator.register`): its `generate_context` runs
once the content model and `lectern_collections` are in the context, and builds and writes every collection's
cartridge (`generator.cartridge`) in a forked process (`generator.forked_work`; 0.9 s of a 5,000-resource build)
while Pelican renders the articles. Each `lectern_collections` entry gets a `cartridge` (a `CartridgeDownload`,
which shows the file's size) when that process is done, which `LecternGenerator.generate_output` waits for before
it renders the collection pages. A build that cannot fork builds them at once.

In an incremental build a cartridge whose inputs hash to a key the build cache knows (`generator.page_memo`), with
the digest the output holds, is not built again: its download box takes the size from the output's record.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from lectern.build_cache import active
from lectern.generator import forked_work
from lectern.generator.cartridge import cartridge_filename, collection_order, export_cartridge
from lectern.generator.cartridge_cover import ReuseLimits, reuse_limits
from lectern.generator.cartridge_manifest import CC_1_1
from lectern.generator.content_model import Collection, Resource, Site
from lectern.generator.page_memo import cartridge_key
from lectern.generator.plugin import lectern_settings
from lectern.generator.theme_context import file_size, markdown_renderer
from lectern.site_paths import SitePaths


@dataclass(frozen=True)
class CartridgeDownload:
    """What the collection page's "Download for your course" box shows."""

    url: str
    filename: str
    size: str  # "8.6 kB"
    version: str  # "1.1"
    limits: ReuseLimits  # resources whose license forbids adapting (ND) or commercial use (NC)


def cartridge_path(slug: str) -> str:
    """The cartridge's place in the output folder (and on the site)."""
    return f"{slug}/{cartridge_filename(slug)}"


@dataclass(frozen=True)
class _ToBuild:
    """A cartridge the build cache does not have: what it is made from, and where it goes."""

    slug: str
    key: str
    path: str
    collection: Collection
    resources: tuple[Resource, ...]
    files: dict[str, bytes]
    description: str


Built = dict[str, tuple[str, int, str]]  # slug -> cache key, size and SHA-256 of the cartridge written


class CartridgeGenerator(Generator):  # type: ignore[misc]
    """Builds and writes every collection's cartridge; see the module docstring."""

    def generate_context(self) -> None:
        site: Site | None = self.context.get("lectern_site")
        if site is None:
            return
        settings = lectern_settings(self.settings)
        self.site_url = settings.site_url
        self.paths = SitePaths(settings.site_url)
        render = markdown_renderer(self.settings)
        cache, unchanged = active(), self.settings.get("LECTERN_UNCHANGED")
        self.entries = {entry["collection"].slug: entry for entry in self.context.get("lectern_collections", [])}
        to_build: list[_ToBuild] = []
        for slug, entry in self.entries.items():
            collection = entry["collection"]
            resources = site.resources_of(slug)
            folder = settings.content_dir / slug
            files = {name: (folder / name).read_bytes() for r in resources for name in r.files}
            key = cartridge_key(CC_1_1.name, settings.site_url, collection, resources, files)
            path = str(Path(self.output_path) / cartridge_path(slug))
            digest = cache.page_digest(key) if cache is not None and unchanged is not None else None
            size = unchanged.size_of(path) if digest is not None and unchanged.known(path, digest) else None
            if cache is not None and digest is not None and size is not None:
                cache.pages_made[key] = digest
                self._offer(slug, size)
            else:
                description = render(collection.description) if collection.description else ""
                to_build.append(_ToBuild(slug, key, path, collection, resources, files, description))
        if to_build and forked_work.start(lambda: self._write(to_build), self._built, len(site.resources)) is None:
            self._built(self._write(to_build))  # a build that cannot fork does it now (`generator.forked_work`)

    def _write(self, to_build: list[_ToBuild]) -> Built:
        """Build and write each cartridge (in a forked process, while Pelican renders the articles)."""
        built: Built = {}
        for b in to_build:
            data = export_cartridge(b.collection, b.resources, b.files, self.site_url, b.description, CC_1_1)
            os.makedirs(os.path.dirname(b.path), exist_ok=True)
            with open(b.path, "wb") as handle:
                handle.write(data)
            built[b.slug] = (b.key, len(data), hashlib.sha256(data).hexdigest())
        return built

    def _built(self, built: Built) -> None:
        cache = active()
        for slug, (key, size, digest) in built.items():
            if cache is not None:
                cache.pages_made[key] = digest
            self._offer(slug, size)

    def _offer(self, slug: str, size: int) -> None:
        """The collection page's download box, before the page is rendered (`LecternGenerator.generate_output`
        waits for the forked work first)."""
        self.entries[slug]["cartridge"] = CartridgeDownload(
            self.paths.url(cartridge_path(slug)),
            cartridge_filename(slug),
            file_size(size),
            CC_1_1.name,
            reuse_limits(collection_order(self.context["lectern_site"].resources_of(slug))),
        )


def get_generators(_pelican: Any) -> type[Generator]:
    return CartridgeGenerator
