"""Helpers for the cartridge tests: export an example collection, unpack it, validate it with the IMS schemas."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from lectern.generator.cartridge import export_cartridge
from lectern.generator.cartridge_manifest import CC_1_1, CartridgeVersion
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Collection, Resource, Site

PROJECT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parent / "cc_schemas" / "v1p1"
SITE_URL = "https://oer.example.edu"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOMM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
WL = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
NS = {"imscc": CP, "lomimscc": LOMM, "wl": WL}
COLLECTIONS = ("fractions", "intro-physics", "python-basics")


@cache
def schema(name: str) -> etree.XMLSchema:
    """An IMS schema from tests/generator/cc_schemas/v1p1 (see its README for where each comes from)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@cache
def example_site() -> Site:
    site, problems = load_site(PROJECT / "content")
    assert problems == []
    return site


@dataclass(frozen=True)
class Unpacked:
    collection: Collection
    resources: tuple[Resource, ...]
    data: bytes
    zip: zipfile.ZipFile
    manifest: etree._Element

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.read(name))


def export(site: Site, slug: str, version: CartridgeVersion = CC_1_1, content: Path | None = None) -> bytes:
    folder = (content or PROJECT / "content") / slug
    resources = site.resources_of(slug)
    files = {name: (folder / name).read_bytes() for r in resources for name in r.files}
    return export_cartridge(site.collection(slug), resources, files, SITE_URL, "<p>Described.</p>", version)


def unpack(data: bytes, site: Site, slug: str) -> Unpacked:
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    return Unpacked(site.collection(slug), site.resources_of(slug), data, archive, manifest)


def example(slug: str) -> Unpacked:
    site = example_site()
    return unpack(export(site, slug), site, slug)


def item_of_resource(cartridge: Unpacked, resource: Resource) -> list[etree._Element]:
    """The items whose LOM names the resource's page (one per link or hosted file)."""
    page = f"{SITE_URL}/{resource.collection}/{resource.slug}/"
    path = "//imscc:item[imscc:metadata/lomimscc:lom/lomimscc:general/lomimscc:identifier/lomimscc:entry = $page]"
    found: list[etree._Element] = cartridge.manifest.xpath(path, namespaces=NS, page=page)
    return found


def resource_element(cartridge: Unpacked, identifier: str) -> etree._Element:
    found: list[etree._Element] = cartridge.manifest.xpath(
        "/imscc:manifest/imscc:resources/imscc:resource[@identifier = $id]", namespaces=NS, id=identifier
    )
    assert len(found) == 1, identifier
    return found[0]
