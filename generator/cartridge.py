"""A collection as an IMS Common Cartridge (`.imscc`): the package Moodle, Canvas and Brightspace import as a course.

`export_cartridge` is pure: the content model, the hosted files' bytes and the collection's description as HTML in,
the zip's bytes out. The same content gives the same bytes: entries in a fixed order (`imsmanifest.xml` first, then
sorted), every timestamp 1980-01-01, fixed permissions, and identifiers derived from the collection's and resources'
keys (a hash, so they are valid XML ids whatever the slug), so re-importing a newer cartridge into the same Canvas
course updates its items instead of duplicating them.

The package holds:
- `imsmanifest.xml` (`generator.cartridge_manifest`);
- `cover/about-this-collection.html`, the cover page (`generator.cartridge_cover`), first item of the first section;
- `web_resources/<name>`: each hosted file, as a `webcontent` resource;
- `weblinks/<slug>.xml`: each link, as a Web Link.

Order: the collection page's, newest `added` first (`collection_order`). Sections: the first is the collection
itself (the cover page and the resources without a `unit`), then one per `unit`, in the order the page first shows
a resource of it.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlsplit, urlunsplit

from lectern.content_types import content_type
from lectern.generator.cartridge_cover import cover_page
from lectern.generator.cartridge_manifest import (
    CC_1_1,
    LOM,
    WEBCONTENT,
    CartridgeEntry,
    CartridgeOutline,
    CartridgeSection,
    CartridgeVersion,
    manifest_xml,
    weblink_xml,
)
from lectern.generator.content_model import Collection, Resource
from lectern.generator.lom import collection_lom, resource_lom
from lectern.generator.theme_context import credit_line
from lectern.site_paths import SitePaths

MANIFEST = "imsmanifest.xml"
COVER = "cover/about-this-collection.html"
FILES_FOLDER = "web_resources"
LINKS_FOLDER = "weblinks"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def cartridge_filename(slug: str) -> str:
    return f"{slug}.imscc"


def collection_order(resources: Sequence[Resource]) -> list[Resource]:
    """The collection page's order: newest `added` first (ties by key), as `generator.plugin.newest_first`."""
    return sorted(resources, key=lambda r: (r.added, r.key), reverse=True)


def stable_id(kind: str, key: str) -> str:
    """A valid XML id (an NCName) for `key`: the same on every export."""
    return f"{kind}_{hashlib.sha256(f'lectern:{kind}:{key}'.encode()).hexdigest()[:20]}"


def ascii_address(url: str) -> str:
    """`url` with an international host name as IDNA and other non-ASCII characters percent-encoded: what an
    importer's URL check accepts (Moodle's `validateUrlSyntax` refuses anything else)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii() and parts.hostname:
        host = parts.hostname.encode("idna").decode("ascii")
        netloc = host + (f":{parts.port}" if parts.port else "")
    safe = "/:@!$&'()*+,;=-._~%?#[]"
    return urlunsplit(
        (parts.scheme, netloc, quote(parts.path, safe), quote(parts.query, safe), quote(parts.fragment, safe))
    )


def _file_href(name: str) -> str:
    return f"{FILES_FOLDER}/{name}"


def _entries(
    resource: Resource, paths: SitePaths, version: CartridgeVersion, package: dict[str, bytes]
) -> list[CartridgeEntry]:
    url = paths.resource_page(resource.key)
    entries = []
    if resource.link:
        href = f"{LINKS_FOLDER}/{resource.slug}.xml"
        package[href] = weblink_xml(resource.title, ascii_address(resource.link), version)
        lom = resource_lom(resource, url, (), LOM)
        entries.append(
            CartridgeEntry(
                stable_id("item", f"{resource.key}/link"),
                stable_id("link", resource.key),
                resource.title,
                "weblink",
                href,
                lom,
            )
        )
    formats = sorted({content_type(name).split(";")[0] for name in resource.files})
    several = len(resource.files) + (1 if resource.link else 0) > 1
    for name in resource.files:
        entries.append(
            CartridgeEntry(
                stable_id("item", f"{resource.key}/file/{name}"),
                stable_id("file", f"{resource.collection}/{name}"),
                f"{resource.title} ({name})" if several else resource.title,
                WEBCONTENT,
                _file_href(name),
                resource_lom(resource, url, formats, LOM),
            )
        )
    return entries


def export_cartridge(
    collection: Collection,
    resources: Sequence[Resource],
    files: Mapping[str, bytes],
    site_url: str,
    description_html: str = "",
    version: CartridgeVersion = CC_1_1,
) -> bytes:
    """The cartridge of `collection` with `resources` (any order); `files` maps each hosted file's name (as in a
    resource's `files`) to its bytes; `site_url` is where the collection is published (each resource's metadata
    links back to its page there)."""
    paths = SitePaths(site_url)
    ordered = collection_order(resources)
    package: dict[str, bytes] = {}
    credits = [(r, credit_line(r, r.link or paths.resource_page(r.key))) for r in ordered]
    collection_url = paths.collection_page(collection.slug)
    package[COVER] = cover_page(collection, description_html, credits, collection_url)
    cover = CartridgeEntry(
        stable_id("item", f"{collection.slug}/cover"),
        stable_id("cover", collection.slug),
        f"About this collection: {collection.title}",
        WEBCONTENT,
        COVER,
        None,
    )
    general: list[CartridgeEntry] = [cover]
    units: dict[str, list[CartridgeEntry]] = {}
    for resource in ordered:
        entries = _entries(resource, paths, version, package)
        for name in resource.files:
            package[_file_href(name)] = files[name]
        (units.setdefault(resource.unit, []) if resource.unit else general).extend(entries)
    sections = [CartridgeSection(stable_id("section", collection.slug), collection.title, tuple(general))]
    sections += [
        CartridgeSection(stable_id("section", f"{collection.slug}/unit/{unit}"), unit, tuple(entries))
        for unit, entries in units.items()
    ]
    outline = CartridgeOutline(
        stable_id("manifest", collection.slug),
        stable_id("organization", collection.slug),
        stable_id("root", collection.slug),
        collection_lom(collection, collection_url, LOM),
        tuple(sections),
    )
    package[MANIFEST] = manifest_xml(outline, version)
    return zip_bytes(package)


def zip_bytes(package: Mapping[str, bytes]) -> bytes:
    """A zip of `package` (path -> bytes) with the manifest first, then the rest sorted, and fixed metadata."""
    names = sorted(package, key=lambda name: (name != MANIFEST, name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, package[name], compresslevel=9)
    return buffer.getvalue()
