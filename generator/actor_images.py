"""Every actor's avatar (`icon`) and header (`image`), rendered at build time as PNG files Mastodon accepts.

Mastodon takes an avatar or a header only as JPEG, PNG, GIF or WebP (`AVATAR_IMAGE_MIME_TYPES` in
mastodon/mastodon app/models/concerns/account/avatar.rb, `IMAGE_MIME_TYPES` in .../account/header.rb): an SVG
collection cover published as the actor's icon left the collection with no picture at all. So every actor gets two
PNGs of its own:

- the icon, 400x400 (`AVATAR_DIMENSIONS = [400, 400]`, to which Mastodon crops every avatar);
- the header, 1500x500 (`HEADER_DIMENSIONS = [1500, 500]`, `MAX_PIXELS` 750,000);

each smaller than 2 MB (`LIMIT = 2.megabytes` for a header, and `AVATAR_LIMIT` is 2 MB too unless the server runs
libvips); a larger file is refused when Mastodon downloads it (`remotable_attachment ..., LIMIT`).

A collection's own picture (SVG, PNG, JPEG, GIF or WebP) is fitted whole into the icon, on a colour derived from the
collection's slug, and fills the header (cropped to 3:1 around its centre). A collection without a picture, and the
site actor, show the theme's icon (`assets/icon.svg`) instead, and the site's link-card picture
(`generator.card_image`) as header.

Rendering is resvg (`resvg-py`, a wheel with the renderer built in, no system library): each picture is embedded as a
`data:` URI in a small SVG that sizes and crops it, and resvg draws that. System fonts are never loaded, so the same
inputs give the same bytes on every machine; the price is that text inside an SVG cover is not drawn (at 400 pixels
a cover's text is unreadable anyway).

The file name carries a hash of the bytes (`icon.3f2a9c1b.png`): Mastodon downloads an avatar again only when its
URL changes (`#{attribute_name}=` returns early for the same URL, app/models/concerns/remotable.rb), so a changed
picture needs a new URL; such names are also served as immutable (`lectern.content_types.cache_control`).
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import resvg_py

from lectern.build_cache import memoised_bytes
from lectern.content_types import media_type
from lectern.generator.card_image import default_card_png
from lectern.generator.content_model import Collection, Site
from lectern.generator.default_images import HEADER, shipped
from lectern.site_paths import ACTOR_PREFIX, SitePaths

logger = logging.getLogger(__name__)

ICON_SIZE = 400
HEADER_WIDTH = 1500
HEADER_HEIGHT = 500
SIZE_LIMIT = 2 * 1024 * 1024  # Mastodon accepts files *less than* this
THEME_ICON = Path("assets") / "icon.svg"
SITE_COLOUR = "#1f5f8b"  # the theme's blue, the background of its icon and of the link card
_ICON_MARGIN = 0.1  # of the icon's side, around a fitted picture


@dataclass(frozen=True)
class Picture:
    """A source picture: its bytes and media type."""

    data: bytes
    media_type: str


@dataclass(frozen=True)
class ActorImage:
    """One rendered PNG of actor `actor`: `kind` is "icon" or "header"."""

    actor: str
    kind: str
    data: bytes
    media_type: str = "image/png"

    @property
    def output_path(self) -> str:
        digest = hashlib.sha256(self.data).hexdigest()[:8]
        return f"{ACTOR_PREFIX}{self.actor}/{self.kind}.{digest}.png"

    def to_json(self, paths: SitePaths) -> dict[str, Any]:
        """The ActivityStreams `Image` for the actor's `icon` or `image`."""
        return {"type": "Image", "mediaType": self.media_type, "url": paths.url(self.output_path)}


@dataclass(frozen=True)
class ActorImages:
    icon: ActorImage
    header: ActorImage


def slug_colour(slug: str) -> str:
    """A colour of its own for each slug: the hue from a hash of it, saturation and lightness fixed (dark enough
    for a light picture to stand out on it)."""
    hue = int.from_bytes(hashlib.sha256(slug.encode("utf-8")).digest()[:2], "big") / 65536
    red, green, blue = colorsys.hls_to_rgb(hue, 0.36, 0.5)
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in (red, green, blue))


def render_png(picture: Picture, width: int, height: int, background: str, crop: bool, margin: float = 0.0) -> bytes:
    """`picture` drawn on a `width` x `height` PNG filled with `background`: cropped to fill it (`crop`), or fitted
    whole inside it with `margin` (a fraction of the shorter side) all round."""
    inset = round(min(width, height) * margin)
    uri = f"data:{picture.media_type};base64,{base64.b64encode(picture.data).decode('ascii')}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="{background}"/>'
        f'<image x="{inset}" y="{inset}" width="{width - 2 * inset}" height="{height - 2 * inset}" '
        f'preserveAspectRatio="xMidYMid {"slice" if crop else "meet"}" href="{uri}"/></svg>'
    )
    return memoised_bytes(svg, lambda: bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True)))


@lru_cache(maxsize=1)
def default_header_png() -> bytes:
    """The header of an actor without a picture: `draw_default_header`'s picture, shipped (`generator.default_images`:
    rendering it takes most of a second)."""
    return shipped(HEADER)


def draw_default_header(card: bytes) -> bytes:
    """The site's link card `card`, cropped to 1500x500."""
    return render_png(Picture(card, "image/png"), HEADER_WIDTH, HEADER_HEIGHT, SITE_COLOUR, crop=True)


def theme_icon(theme_dir: Path) -> Picture:
    """The theme's icon, or the link-card picture for a theme without one."""
    path = theme_dir / THEME_ICON
    if path.is_file():
        return Picture(path.read_bytes(), media_type(THEME_ICON.name))
    return Picture(default_card_png(), "image/png")


def _within_limit(rendered: bytes, fallback: bytes, what: str) -> bytes:
    if len(rendered) < SIZE_LIMIT:
        return rendered
    logger.warning(
        "%s is %d bytes as a PNG, over Mastodon's limit of %d; using the default", what, len(rendered), SIZE_LIMIT
    )
    return fallback


def collection_images(collection: Collection, content_dir: Path, theme_dir: Path) -> ActorImages:
    """The icon and header of `collection`, from its picture when it has one."""
    colour = slug_colour(collection.slug)
    own: Picture | None = None
    if collection.image:
        own = Picture((content_dir / collection.slug / collection.image).read_bytes(), media_type(collection.image))
    fallback_icon = render_png(theme_icon(theme_dir), ICON_SIZE, ICON_SIZE, colour, crop=False, margin=_ICON_MARGIN)
    if own is None:
        icon, header = fallback_icon, default_header_png()
    else:
        what = f"the picture of collection {collection.slug}"
        icon = render_png(own, ICON_SIZE, ICON_SIZE, colour, crop=False, margin=_ICON_MARGIN)
        icon = _within_limit(icon, fallback_icon, f"the icon from {what}")
        header = render_png(own, HEADER_WIDTH, HEADER_HEIGHT, colour, crop=True)
        header = _within_limit(header, default_header_png(), f"the header from {what}")
    return ActorImages(ActorImage(collection.slug, "icon", icon), ActorImage(collection.slug, "header", header))


def site_actor_images(site_actor: str, theme_dir: Path) -> ActorImages:
    """The site actor's icon (the theme's icon on the theme's blue) and header (the link card)."""
    icon = render_png(theme_icon(theme_dir), ICON_SIZE, ICON_SIZE, SITE_COLOUR, crop=False)
    return ActorImages(ActorImage(site_actor, "icon", icon), ActorImage(site_actor, "header", default_header_png()))


def write_actor_images(
    output: Path, site: Site, site_actor: str, content_dir: Path, theme_dir: Path
) -> dict[str, ActorImages]:
    """Render every actor's images, write them under `output`, and return them by actor name."""
    images = {c.slug: collection_images(c, content_dir, theme_dir) for c in site.collections}
    images[site_actor] = site_actor_images(site_actor, theme_dir)
    for pair in images.values():
        for image in (pair.icon, pair.header):
            target = output / image.output_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(image.data)
    return images
