"""`imsmanifest.xml` and the Web Link files of an IMS Common Cartridge, from a planned outline (`CartridgeOutline`).

Follows the CC profile of IMS Content Packaging 1.2 (`ccv1p1_imscp_v1p2_v1p0.xsd` for CC 1.1; the same layout under
the `imsccv1p3` namespaces for CC 1.3):

    manifest (default namespace: the CC profile of IMS CP)
      metadata: schema "IMS Common Cartridge", schemaversion "1.1.0", the cartridge's LOM (`generator.lom`)
      organizations/organization (structure="rooted-hierarchy")
        item (the root, no title)
          item (a section: the collection itself, then one per unit; a title, no identifierref)
            item identifierref=... (one per resource, or per hosted file; title, then LOM in its metadata)
      resources
        resource type="webcontent" href=... (the cover page and each hosted file, each listed as a file)
        resource type="imswl_xmlv1p1" (a Web Link: its one file is the webLink XML with title and url/@href)

Moodle and Canvas read exactly this shape: Moodle makes a course section of each child of the root item, Canvas a
module of each child that has no identifierref (see tests/generator/test_cartridge_importers.py for the lines of
their importers each rule comes from). The default namespace is declared on the root element, first: Moodle
recognises a CC 1.1 package by finding `xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"` in the first
500 bytes of the manifest (1024 in later versions).
"""

from __future__ import annotations

from dataclasses import dataclass

from lectern.generator.xml_text import Element, element, xml_document


@dataclass(frozen=True)
class CartridgeVersion:
    name: str  # "1.1"
    schema_version: str  # "1.1.0"
    package: str  # the CC profile of IMS CP: the manifest's default namespace
    lom_manifest: str  # LOM as the cartridge and its items use it
    weblink: str  # the Web Link file's namespace
    weblink_type: str  # the Web Link resource's type


CC_1_1 = CartridgeVersion(
    "1.1",
    "1.1.0",
    "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1",
    "imswl_xmlv1p1",
)
CC_1_3 = CartridgeVersion(
    "1.3",
    "1.3.0",
    "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
    "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest",
    "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3",
    "imswl_xmlv1p3",
)
VERSIONS = {version.name: version for version in (CC_1_1, CC_1_3)}
LOM = "lomimscc"  # the prefix of the LOM namespace in the manifest
WEBCONTENT = "webcontent"


@dataclass(frozen=True)
class CartridgeEntry:
    """One item of the organization and the resource it points to."""

    item_id: str
    resource_id: str
    title: str
    kind: str  # WEBCONTENT or "weblink"
    href: str  # the file inside the package: the hosted file, the cover page, or the webLink XML
    metadata: Element | None  # a `lomimscc:lom`


@dataclass(frozen=True)
class CartridgeSection:
    item_id: str
    title: str
    entries: tuple[CartridgeEntry, ...]


@dataclass(frozen=True)
class CartridgeOutline:
    manifest_id: str
    organization_id: str
    root_id: str
    metadata: Element  # the cartridge's `lomimscc:lom`
    sections: tuple[CartridgeSection, ...]


def _item(entry: CartridgeEntry) -> Element:
    metadata = element("metadata", entry.metadata) if entry.metadata is not None else None
    return element(
        "item", element("title", text=entry.title), metadata, identifier=entry.item_id, identifierref=entry.resource_id
    )


def _resource(entry: CartridgeEntry, version: CartridgeVersion) -> Element:
    if entry.kind == WEBCONTENT:
        return element(
            "resource", element("file", href=entry.href), identifier=entry.resource_id, type=WEBCONTENT, href=entry.href
        )
    file = element("file", href=entry.href)
    return element("resource", file, identifier=entry.resource_id, type=version.weblink_type)


def manifest_xml(outline: CartridgeOutline, version: CartridgeVersion) -> bytes:
    sections = [
        element("item", element("title", text=section.title), *map(_item, section.entries), identifier=section.item_id)
        for section in outline.sections
    ]
    entries = [entry for section in outline.sections for entry in section.entries]
    seen: set[str] = set()
    resources = []
    for entry in entries:
        if entry.resource_id not in seen:
            seen.add(entry.resource_id)
            resources.append(_resource(entry, version))
    root = element(
        "manifest",
        element(
            "metadata",
            element("schema", text="IMS Common Cartridge"),
            element("schemaversion", text=version.schema_version),
            outline.metadata,
        ),
        element(
            "organizations",
            element(
                "organization",
                element("item", *sections, identifier=outline.root_id),
                identifier=outline.organization_id,
                structure="rooted-hierarchy",
            ),
        ),
        element("resources", *resources),
        identifier=outline.manifest_id,
        xmlns=version.package,
        **{f"xmlns__{LOM}": version.lom_manifest},
    )
    return xml_document(root)


def weblink_xml(title: str, href: str, version: CartridgeVersion) -> bytes:
    """The Web Link file: the link's title and address; it opens in a new window."""
    return xml_document(
        element(
            "webLink",
            element("title", text=" ".join(title.split())),
            element("url", href=href, target="_blank"),
            xmlns=version.weblink,
        )
    )
