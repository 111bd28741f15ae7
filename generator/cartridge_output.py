"""Each collection's Common Cartridge, published beside its page: `/<collection>/<collection>.imscc`.

A Pelican generator, registered after `LecternGenerator` (see `generator.register`): its `generate_context` runs
once the content model and `lectern_collections` are in the context, builds every collection's cartridge
(`generator.cartridge`), and gives each `lectern_collections` entry a `cartridge` (a `CartridgeDownload`) before the
collection pages are rendered; `generate_output` writes the files.

In an incremental build a cartridge whose inputs hash to a key the build cache knows (`generator.page_memo`), with
the digest the output holds, is not built again: its download box takes the size from the output's record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from lectern.build_cache import active
from lectern.generator.cartridge import cartridge_filename, collection_order, export_cartridge
from lectern.generator.cartridge_cover import ReuseLimits, reuse_limits
from lectern.generator.cartridge_manifest import CC_1_1
from lectern.generator.content_model import Site
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


class CartridgeGenerator(Generator):  # type: ignore[misc]
    """Builds and writes every collection's cartridge; see the module docstring."""

    def generate_context(self) -> None:
        self.cartridges: dict[str, bytes] = {}
        site: Site | None = self.context.get("lectern_site")
        if site is None:
            return
        settings = lectern_settings(self.settings)
        paths = SitePaths(settings.site_url)
        render = markdown_renderer(self.settings)
        cache, unchanged = active(), self.settings.get("LECTERN_UNCHANGED")
        for entry in self.context.get("lectern_collections", []):
            collection = entry["collection"]
            resources = site.resources_of(collection.slug)
            folder = settings.content_dir / collection.slug
            files = {name: (folder / name).read_bytes() for r in resources for name in r.files}
            key = cartridge_key(CC_1_1.name, settings.site_url, collection, resources, files)
            path = str(Path(self.output_path) / cartridge_path(collection.slug))
            digest = cache.page_digest(key) if cache is not None and unchanged is not None else None
            size = unchanged.size_of(path) if digest is not None and unchanged.known(path, digest) else None
            if cache is not None and digest is not None and size is not None:
                cache.pages_made[key] = digest
            else:
                description = render(collection.description) if collection.description else ""
                data = export_cartridge(collection, resources, files, settings.site_url, description, CC_1_1)
                self.cartridges[collection.slug] = data
                size = len(data)
                if cache is not None:
                    cache.pages_made[key] = hashlib.sha256(data).hexdigest()
            entry["cartridge"] = CartridgeDownload(
                paths.url(cartridge_path(collection.slug)),
                cartridge_filename(collection.slug),
                file_size(size),
                CC_1_1.name,
                reuse_limits(collection_order(resources)),
            )

    def generate_output(self, writer: Any) -> None:
        output = Path(self.output_path)
        for slug, data in sorted(self.cartridges.items()):
            target = output / cartridge_path(slug)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def get_generators(_pelican: Any) -> type[Generator]:
    return CartridgeGenerator
