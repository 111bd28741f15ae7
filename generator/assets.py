"""The theme's assets under content-hashed names, and the `asset_url` Jinja global that finds them.

Every file in the theme's `assets/` folder (CSS, JavaScript, icons), and the link-card picture drawn at build time,
is published as `theme/<name>.<8 hex digits of its SHA-256>.<ext>`: changed bytes get a new name, so a host can serve
these files for a year as immutable (`lectern.content_types.cache_control` recognises the pattern). Templates never
spell a hashed name; they write `{{ asset_url('lectern.css') }}`.

`install_theme_globals` is a receiver for Pelican's `generator_init` signal: it gives every generator's Jinja
environment `asset_url`. A theme with an `assets/` folder is written for Lectern, so it also gets autoescaping (its
templates mark trusted HTML with `|safe`); any other Pelican theme keeps Pelican's default, no autoescaping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lectern.generator.card_image import default_card_png
from lectern.generator.errors import ThemeError

ASSETS_FOLDER = "assets"
OUTPUT_FOLDER = "theme"
GENERATED: dict[str, Callable[[], bytes]] = {"card.png": default_card_png}


@dataclass(frozen=True)
class Asset:
    name: str  # as templates ask for it: "lectern.css"
    data: bytes

    @property
    def file_name(self) -> str:
        """`lectern.css` -> `lectern.3f2a9c1b.css`: the hash goes before the last suffix."""
        digest = hashlib.sha256(self.data).hexdigest()[:8]
        stem, dot, suffix = self.name.rpartition(".")
        return f"{stem}.{digest}.{suffix}" if dot else f"{self.name}.{digest}"

    @property
    def output_path(self) -> str:
        return f"{OUTPUT_FOLDER}/{self.file_name}"


def theme_assets(theme_dir: Path, generated: Mapping[str, Callable[[], bytes]] = GENERATED) -> dict[str, Asset]:
    """The assets of the theme at `theme_dir`, by name ('/'-separated below `assets/`), plus the generated ones."""
    folder = theme_dir / ASSETS_FOLDER
    found: dict[str, Asset] = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(folder).as_posix()
                found[name] = Asset(name, path.read_bytes())
    for name, draw in generated.items():
        found.setdefault(name, Asset(name, draw()))
    return found


def asset_url_function(site_url: str, assets: Mapping[str, Asset]) -> Callable[[str], str]:
    """`asset_url(name)`: the absolute URL of the hashed copy of asset `name`."""

    urls: dict[str, str] = {}  # each asset's name hashed once, not on every page that links it

    def asset_url(name: str) -> str:
        url = urls.get(name)
        if url is not None:
            return url
        asset = assets.get(name)
        if asset is None:
            raise ThemeError(
                f"the theme asks for the asset {name!r}, which is not in its {ASSETS_FOLDER}/ folder; "
                f"the assets are: {', '.join(sorted(assets)) or 'none'}"
            )
        url = urls[name] = f"{site_url}/{asset.output_path}"
        return url

    return asset_url


def install_theme_globals(generator: Any) -> None:
    """Receiver for `generator_init`: `asset_url` in the generator's templates, and autoescaping for our themes."""
    theme = Path(generator.theme)
    generator.env.globals["asset_url"] = asset_url_function(str(generator.settings["SITEURL"]), theme_assets(theme))
    if (theme / ASSETS_FOLDER).is_dir():
        generator.env.autoescape = True


def write_assets(output: Path, assets: Mapping[str, Asset]) -> None:
    for asset in assets.values():
        target = output / asset.output_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(asset.data)
