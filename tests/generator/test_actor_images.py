"""Actors' pictures and link-card credit, checked in real builds against what Mastodon accepts.

Mastodon's limits (mastodon/mastodon): an avatar or header must be JPEG, PNG, GIF or WebP
(app/models/concerns/account/avatar.rb `AVATAR_IMAGE_MIME_TYPES`, .../account/header.rb `IMAGE_MIME_TYPES`), an
avatar is cropped to 400x400 (`AVATAR_DIMENSIONS`), a header holds at most 1500x500 pixels (`MAX_PIXELS`), and both
must be smaller than 2 MB (`LIMIT`; `AVATAR_LIMIT` without libvips). The credit under a link card needs the page's
host in the `fediverse:creator` account's `attributionDomains` (`can_be_attributed_from?`,
app/models/concerns/account/attribution_domains.rb, called from app/services/fetch_link_card_service.rb).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lectern.build import build_site
from lectern.generator.actor_images import (
    HEADER_HEIGHT,
    HEADER_WIDTH,
    ICON_SIZE,
    SIZE_LIMIT,
    collection_images,
    default_header_png,
    slug_colour,
)
from lectern.generator.actors import attribution_domain
from lectern.generator.content_model import Collection
from lectern.generator.png import encode_png
from lectern.jsonld import expand
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from tests.conftest import copy_project, project_settings
from tests.png_header import png_size

MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CREATOR = re.compile(r'<meta name="fediverse:creator" content="@([^@"]+)@[^"]+">')
OG_URL = re.compile(r'<meta property="og:url" content="([^"]+)">')


def actors(output: Path) -> dict[str, Any]:
    index = json.loads((output / "ap" / "webfinger.json").read_text(encoding="utf-8"))
    paths = SitePaths(index["site_url"])
    return {
        name: json.loads((output / paths.output_file(account["actor"])).read_text(encoding="utf-8"))
        for name, account in index["accounts"].items()
    }


def image_file(output: Path, site_url: str, image: dict[str, Any]) -> bytes:
    return (output / SitePaths(site_url).output_file(image["url"])).read_bytes()


def sniffed_type(data: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)


def pixels(data: bytes) -> list[list[tuple[int, ...]]]:
    """The pixels of an 8-bit RGB or RGBA PNG, decoded by the specification (https://www.w3.org/TR/png-3/)."""
    width, height = struct.unpack(">II", data[16:24])
    depth, colour_type = data[24], data[25]
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    channels = 4 if colour_type == 6 else 3
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += length + 12
    raw, stride, previous, rows = zlib.decompress(idat), width * channels, bytearray(width * channels), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[i] = (line[i] + near[2]) & 0xFF
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])
        previous = line
    return rows


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def assert_accepted_by_mastodon(data: bytes, declared: dict[str, Any], size: tuple[int, int]) -> None:
    assert declared["type"] == "Image"
    assert declared["mediaType"] in ("image/png", "image/jpeg")
    assert sniffed_type(data) == declared["mediaType"]
    assert png_size(data) == size
    assert len(data) < SIZE_LIMIT


def test_every_actor_has_a_png_icon_and_header_mastodon_accepts(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    found = actors(output)
    assert set(found) == {"library", "fractions", "intro-physics", "python-basics"}
    for name, actor in found.items():
        icon, header = actor["icon"], actor["image"]
        assert_accepted_by_mastodon(image_file(output, settings.site_url, icon), icon, (ICON_SIZE, ICON_SIZE))
        header_bytes = image_file(output, settings.site_url, header)
        assert_accepted_by_mastodon(header_bytes, header, (HEADER_WIDTH, HEADER_HEIGHT))
        assert f"/ap/actors/{name}/" in icon["url"], icon


def test_an_svg_cover_is_rasterised_into_the_collections_icon(built_site: tuple[Settings, Path]) -> None:
    """The example's fractions collection has an SVG cover (cream, #fdf6e3): it is drawn into the icon, fitted on
    the collection's own colour, and fills the header."""
    settings, output = built_site
    assert "image: cover.svg" in (settings.content_dir / "fractions" / "collection.md").read_text(encoding="utf-8")
    actor = actors(output)["fractions"]
    icon = pixels(image_file(output, settings.site_url, actor["icon"]))
    assert icon[0][0] == rgb(slug_colour("fractions"))
    assert icon[ICON_SIZE // 2 - 50][ICON_SIZE // 2 - 150] == rgb("#fdf6e3")
    header = pixels(image_file(output, settings.site_url, actor["image"]))
    assert header[5][5] == rgb("#fdf6e3")


def solid_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    return encode_png(width, height, [bytes(colour) * width] * height)


def test_a_raster_cover_is_fitted_into_the_icon_and_fills_the_header(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    folder = project / "content" / "python-basics"
    (folder / "cover.png").write_bytes(solid_png(300, 100, (200, 30, 40)))
    source = (folder / "collection.md").read_text(encoding="utf-8")
    (folder / "collection.md").write_text(source.replace("tags:", "image: cover.png\ntags:", 1), encoding="utf-8")
    settings = project_settings(project)
    build_site(settings)
    actor = actors(settings.output_dir)["python-basics"]
    icon_bytes = image_file(settings.output_dir, settings.site_url, actor["icon"])
    assert_accepted_by_mastodon(icon_bytes, actor["icon"], (ICON_SIZE, ICON_SIZE))
    icon = pixels(icon_bytes)
    assert icon[ICON_SIZE // 2][ICON_SIZE // 2] == (200, 30, 40)
    assert icon[0][0] == icon[ICON_SIZE - 1][ICON_SIZE // 2] == rgb(slug_colour("python-basics"))
    header = pixels(image_file(settings.output_dir, settings.site_url, actor["image"]))
    assert header[0][0] == header[HEADER_HEIGHT - 1][HEADER_WIDTH - 1] == (200, 30, 40)


def collection(slug: str, image: str | None) -> Collection:
    return Collection(slug, "A title", "A summary", "A curator", "en", (), image, "", f"content/{slug}/collection.md")


def test_a_header_too_large_for_mastodon_falls_back_to_the_default(tmp_path: Path) -> None:
    """Noise does not compress: 1500x500 of it is more than 2 MB as a PNG, which Mastodon would refuse."""
    (tmp_path / "noisy").mkdir()
    stream = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(HEADER_WIDTH * HEADER_HEIGHT // 10))
    rows = [stream[y * HEADER_WIDTH * 3 : (y + 1) * HEADER_WIDTH * 3] for y in range(HEADER_HEIGHT)]
    (tmp_path / "noisy" / "noise.png").write_bytes(encode_png(HEADER_WIDTH, HEADER_HEIGHT, rows))
    images = collection_images(collection("noisy", "noise.png"), tmp_path, Path("themes/lectern"))
    assert images.header.data == default_header_png()
    assert len(images.icon.data) < SIZE_LIMIT


def test_rendering_is_deterministic_and_a_changed_picture_gets_a_new_url(tmp_path: Path) -> None:
    """Mastodon downloads an avatar again only when its URL changes (remotable.rb), so the name carries a hash."""
    theme = Path("themes/lectern")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cover.png").write_bytes(solid_png(50, 50, (10, 120, 60)))
    first = collection_images(collection("c", "cover.png"), tmp_path, theme)
    assert collection_images(collection("c", "cover.png"), tmp_path, theme) == first
    (tmp_path / "c" / "cover.png").write_bytes(solid_png(50, 50, (10, 120, 61)))
    changed = collection_images(collection("c", "cover.png"), tmp_path, theme)
    assert changed.icon.output_path != first.icon.output_path
    assert re.fullmatch(r"ap/actors/c/icon\.[0-9a-f]{8}\.png", first.icon.output_path)


def can_be_attributed_from(attribution_domains: list[str], domain: str) -> bool:
    """Mastodon's `Account#can_be_attributed_from?`: the domain or one of its parent domains is listed."""
    segments = domain.split(".")
    return bool({".".join(segments[i:]) for i in range(len(segments))} & set(attribution_domains))


def test_every_fediverse_creator_credits_an_actor_that_lists_the_pages_host(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    found = actors(output)
    credited = 0
    for page in sorted(output.rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        creator, canonical = CREATOR.search(html), OG_URL.search(html)
        if creator is None:
            continue
        assert canonical is not None, page
        host = urlsplit(canonical.group(1)).hostname or ""  # Addressable's normalized_host: no port
        assert can_be_attributed_from(found[creator.group(1)]["attributionDomains"], host), page
        credited += 1
    assert credited >= 20  # three collection pages and seventeen resource pages


def test_attribution_domains_is_mastodons_term_with_bare_host_names(built_site: tuple[Settings, Path]) -> None:
    """Mastodon reads `json['attributionDomains']` off the raw document, so the key is the bare term and each value a
    host name; the term is `toot:attributionDomains`, as in Mastodon's app/helpers/context_helper.rb."""
    _settings, output = built_site
    actor = actors(output)["fractions"]
    assert actor["attributionDomains"] == ["127.0.0.1"]
    assert len(expand(actor)[0]["http://joinmastodon.org/ns#attributionDomains"]) == 1
    assert actors(output)["library"]["attributionDomains"] == ["127.0.0.1"]  # the author of every resource


@pytest.mark.parametrize(
    ("site_url", "domain"),
    [("https://oer.example.edu", "oer.example.edu"), ("https://OER.Example.edu:8443", "oer.example.edu")],
)
def test_the_attribution_domain_is_the_host_name_without_port(site_url: str, domain: str, tmp_path: Path) -> None:
    settings = project_settings(copy_project(tmp_path / "project"), site_url=site_url)
    assert attribution_domain(settings) == domain
