"""Every example collection exports as an IMS Common Cartridge that the official IMS schemas accept, holding every
resource with its license and its attribution, byte for byte the same on every export."""

from __future__ import annotations

import html
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from lectern.generator.cartridge import ascii_address, collection_order, zip_bytes
from lectern.generator.cartridge_cover import cover_page
from lectern.generator.cartridge_manifest import CC_1_3
from lectern.generator.content_loader import load_site
from lectern.generator.lom import vcard
from lectern.generator.theme_context import credit_line
from tests.generator.cartridge_support import (
    COLLECTIONS,
    NS,
    PROJECT,
    SITE_URL,
    example,
    example_site,
    export,
    item_of_resource,
    resource_element,
    schema,
    unpack,
)


@pytest.mark.parametrize("slug", COLLECTIONS)
def test_each_example_collection_exports_a_valid_cartridge_with_every_resource_licensed_and_credited(
    slug: str,
) -> None:
    cartridge = example(slug)

    manifest_schema = schema("ccv1p1_imscp_v1p2_v1p0.xsd")
    assert manifest_schema.validate(cartridge.manifest.getroottree()), manifest_schema.error_log
    weblink_schema = schema("ccv1p1_imswl_v1p1.xsd")
    for name in cartridge.zip.namelist():
        if name.startswith("weblinks/"):
            document = cartridge.xml(name).getroottree()
            assert weblink_schema.validate(document), (name, weblink_schema.error_log)

    cover = cartridge.read("cover/about-this-collection.html").decode()
    assert cartridge.collection.curator in cover
    assert len(cartridge.resources) >= 5
    for resource in cartridge.resources:
        items = item_of_resource(cartridge, resource)
        assert len(items) == len(resource.files) + (1 if resource.link else 0), resource.key
        for item in items:
            lom = item.find("imscc:metadata/lomimscc:lom", NS)
            rights = lom.findtext("lomimscc:rights/lomimscc:description/lomimscc:string", namespaces=NS)
            assert resource.license.uri in rights and resource.license.identifier in rights
            authors = lom.findall("lomimscc:lifeCycle/lomimscc:contribute/lomimscc:entity", NS)
            assert [entity.text for entity in authors] == [vcard(author) for author in resource.authors]
            assert lom.findtext("lomimscc:general/lomimscc:language", namespaces=NS) == resource.language
            title = lom.findtext("lomimscc:general/lomimscc:title/lomimscc:string", namespaces=NS)
            assert title == resource.title
            target = resource_element(cartridge, item.get("identifierref"))
            href = target.find("imscc:file", NS).get("href")
            if target.get("type") == "webcontent":
                assert cartridge.read(href) == (PROJECT / "content" / slug / href.split("/", 1)[1]).read_bytes()
            else:
                link = cartridge.xml(href).find("wl:url", NS).get("href")
                assert link == ascii_address(resource.link or "")
        assert html.escape(credit_line(resource, resource.link or f"{SITE_URL}/{resource.key}/")) in cover


def test_the_same_content_gives_the_same_bytes_with_fixed_zip_metadata() -> None:
    site = example_site()
    first, second = export(site, "fractions"), export(site, "fractions")
    assert first == second
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert infos[0].filename == "imsmanifest.xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert zip_bytes({"b": b"2", "imsmanifest.xml": b"1"}) != zip_bytes({"b": b"3", "imsmanifest.xml": b"1"})


def test_the_schema_check_refuses_a_manifest_the_importers_would_refuse() -> None:
    """The validation above can fail: an item without a title, or an unknown resource type, is caught."""
    cartridge = example("python-basics")
    manifest_schema = schema("ccv1p1_imscp_v1p2_v1p0.xsd")
    untitled = etree.fromstring(etree.tostring(cartridge.manifest))
    title = untitled.find(".//imscc:item/imscc:item/imscc:item/imscc:title", NS)
    title.getparent().remove(title)
    assert not manifest_schema.validate(untitled.getroottree())
    retyped = etree.fromstring(etree.tostring(cartridge.manifest))
    retyped.find(".//imscc:resource", NS).set("type", "imswl_xmlv1p3")
    assert not manifest_schema.validate(retyped.getroottree())


def test_items_follow_the_collection_page_order_and_units_make_sections(tmp_path: Path) -> None:
    content = Path(shutil.copytree(PROJECT / "content", tmp_path / "content"))
    for name, unit in (("think-python.md", "Unit 2: functions"), ("mit-6-0001.md", "Unit 1: first programs")):
        path = content / "python-basics" / name
        path.write_text(path.read_text().replace("\nadded:", f"\nunit: {unit}\nadded:", 1))
    site, problems = load_site(content)
    assert problems == []
    assert site.collection("python-basics") and {r.unit for r in site.resources_of("python-basics")} == {
        None,
        "Unit 2: functions",
        "Unit 1: first programs",
    }
    cartridge = unpack(export(site, "python-basics", content=content), site, "python-basics")

    sections = cartridge.manifest.findall("imscc:organizations/imscc:organization/imscc:item/imscc:item", NS)
    ordered = collection_order(site.resources_of("python-basics"))
    units = list(dict.fromkeys(r.unit for r in ordered if r.unit))
    assert [s.findtext("imscc:title", namespaces=NS) for s in sections] == ["Python basics", *units]
    titles = [i.findtext("imscc:title", namespaces=NS) for i in sections[0].findall("imscc:item", NS)]
    assert titles == ["About this collection: Python basics", *(r.title for r in ordered if not r.unit)]
    for section, unit in zip(sections[1:], units, strict=True):
        in_unit = [i.findtext("imscc:title", namespaces=NS) for i in section.findall("imscc:item", NS)]
        assert in_unit == [r.title for r in ordered if r.unit == unit]


def test_a_unit_longer_than_200_characters_is_a_problem(tmp_path: Path) -> None:
    content = Path(shutil.copytree(PROJECT / "content", tmp_path / "content"))
    path = content / "fractions" / "fraction-strips.md"
    path.write_text(path.read_text().replace("\nadded:", f"\nunit: {'x' * 201}\nadded:", 1))
    _site, problems = load_site(content)
    assert [(p.field, "201 characters" in p.what) for p in problems] == [("unit", True)]


def test_cc_1_3_uses_the_1_3_namespaces_versions_and_web_link_type() -> None:
    site = example_site()
    cartridge = unpack(export(site, "fractions", CC_1_3), site, "fractions")
    root = cartridge.manifest
    assert root.tag == "{http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1}manifest"
    v13 = {"cp": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"}
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=v13) == "1.3.0"
    lom = root.find("cp:metadata/{http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest}lom", v13)
    assert lom is not None
    types = {r.get("type") for r in root.iterfind("cp:resources/cp:resource", v13)}
    assert types == {"webcontent", "imswl_xmlv1p3"}
    links = [n for n in cartridge.zip.namelist() if n.startswith("weblinks/")]
    assert links and all(
        cartridge.xml(n).tag == "{http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3}webLink" for n in links
    )


def test_an_international_address_becomes_ascii_for_the_importers() -> None:
    address = ascii_address("https://fracción.es/lección?q=½")
    assert address.isascii()
    assert address == "https://xn--fraccin-q0a.es/lecci%C3%B3n?q=%C2%BD"
    assert ascii_address("https://phet.colorado.edu/sims/html/a_en.html#x") == (
        "https://phet.colorado.edu/sims/html/a_en.html#x"
    )


def test_the_cover_page_reaches_the_collection_s_pictures_at_their_published_address() -> None:
    site = example_site()
    collection = site.collection("fractions")
    page = cover_page(collection, '<p><img src="files/cover.svg" alt=""></p>', [], f"{SITE_URL}/fractions/")
    assert b'<img src="https://oer.example.edu/fractions/files/cover.svg" alt="">' in page
