"""What Moodle's and Canvas's Common Cartridge importers require of a cartridge, one test per requirement, each
naming the importer's source line it follows.

Moodle: `backup/cc/` and `backup/converter/imscc11/` of moodle/moodle, read at commit 792b4879 (Moodle 3.x, October
2017) of the public mirror eduardcloud/aws-ebs-moodle; line numbers are that version's. Canvas: instructure/canvas-lms
`lib/cc/importer/standard/`, at the commit named in each test. Every example collection is checked.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from lectern.generator.cartridge import ascii_address
from tests.generator.cartridge_support import COLLECTIONS, CP, NS, Unpacked, example, resource_element, schema

# Moodle, backup/cc/cc112moodle.php:41-43 and :50, the namespaces its XPath queries use.
MOODLE_NS = {
    "imscc": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "lomimscc": "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    "lom": "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource",
    "cc": "http://www.imsglobal.org/xsd/imsccv1p1/imsccauth_v1p1",
}
MOODLE_WL = {"wl": "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"}
# Moodle, backup/cc/cc112moodle.php:37 (CC_TYPE_WEBLINK) and cc2moodle.php:37 (CC_TYPE_WEBCONTENT): the two types it
# turns into a course resource (cc2moodle.php:716-722, convert_to_moodle_type).
MOODLE_RESOURCE_TYPES = {"imswl_xmlv1p1", "webcontent"}
# Canvas, lib/cc/importer/standard/converter.rb:33 (commit 00b222d7), SUPPORTED_TYPES.
CANVAS_SUPPORTED = re.compile(
    r"assessment\Z|\Aassignment|\Aimswl|\Aimsbasiclti|\Aimsdt|webcontent|learning-application-resource\Z"
)


@pytest.fixture(params=COLLECTIONS)
def cartridge(request: pytest.FixtureRequest) -> Unpacked:
    return example(request.param)


def moodle_query(cartridge: Unpacked, path: str) -> list[etree._Element]:
    found: list[etree._Element] = cartridge.manifest.xpath(path, namespaces=MOODLE_NS)
    return found


def without_namespaces(document: bytes) -> etree._Element:
    """What Canvas parses: it calls `remove_namespaces!` on each document (converter.rb:54, weblink_converter.rb:31)."""
    root = etree.fromstring(document)
    for node in root.iter():
        node.tag = etree.QName(node).localname
    return root


# Moodle


def test_moodle_recognises_cc_1_1_from_the_first_500_bytes_of_the_manifest(cartridge: Unpacked) -> None:
    """backup/converter/imscc11/lib.php:47-58 (detect_format): reads the start of imsmanifest.xml (1024 bytes at
    792b4879; 500 in moodle/moodle at commit 1be36988: the stricter is checked), lower-cases it, drops white space
    and quotes, and looks for the CC 1.1 package namespace as the default namespace."""
    snippet = cartridge.read("imsmanifest.xml")[:500].decode("utf-8", "ignore").lower()
    snippet = re.sub(r"\s*", "", snippet).replace("'", "").replace('"', "")
    assert "xmlns=http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" in snippet


def test_moodle_finds_the_manifest_at_the_top_of_the_package(cartridge: Unpacked) -> None:
    """backup/cc/cc2moodle.php:74-77 (get_manifest): `imsmanifest.xml` at the package's top level."""
    assert "imsmanifest.xml" in cartridge.zip.namelist()


def test_moodle_validates_the_manifest_with_its_cc_1_1_schemas(cartridge: Unpacked) -> None:
    """backup/converter/imscc11/lib.php:94-97: `manifest_validator` over backup/cc/schemas11 refuses the import of an
    invalid manifest; backup/cc/validator.php:186 names the schema, `cc11libxml2validator.xsd` (bundled as is)."""
    validator = schema("cc11libxml2validator.xsd")
    assert validator.validate(cartridge.manifest.getroottree()), validator.error_log


def test_moodle_refuses_protected_cartridges_so_there_are_no_authorizations(cartridge: Unpacked) -> None:
    """backup/converter/imscc11/lib.php:101-102 with cc2moodle.php:124 (is_auth): any `cc:authorizations` stops the
    import with `protected_cc_not_supported`."""
    assert moodle_query(cartridge, "/imscc:manifest/cc:authorizations") == []


def test_moodle_names_the_course_after_the_cartridge_lom_title(cartridge: Unpacked) -> None:
    """backup/cc/cc2moodle.php:139 (get_metadata) and :244: the course's name is
    `/manifest/metadata/lomimscc:lom/lomimscc:general/lomimscc:title/lomimscc:string`."""
    path = "/imscc:manifest/imscc:metadata/lomimscc:lom/lomimscc:general/lomimscc:title/lomimscc:string"
    assert [node.text for node in moodle_query(cartridge, path)] == [cartridge.collection.title]


def test_moodle_makes_a_titled_section_of_each_child_of_the_root_item(cartridge: Unpacked) -> None:
    """backup/cc/cc2moodle.php:537 reads `/manifest/organizations/organization/item` recursively; includes/
    constants.php:26 (ROOT_DEEP = 2) and cc2moodle.php:319: the root item's children become the course's sections;
    one without identifierref is a label whose title is the section's summary (cc2moodle.php:332-342)."""
    sections = moodle_query(cartridge, "/imscc:manifest/imscc:organizations/imscc:organization/imscc:item/imscc:item")
    assert sections
    for section in sections:
        assert section.get("identifierref") is None
        assert section.findtext("imscc:title", namespaces=MOODLE_NS)


def test_moodle_every_item_has_a_title_or_a_resource(cartridge: Unpacked) -> None:
    """backup/cc/cc2moodle.php:637 (MDL-33523): an item with neither identifierref nor title becomes an unknown
    module. Every item here below the root has a title."""
    for item in moodle_query(cartridge, "//imscc:organization/imscc:item//imscc:item"):
        assert item.findtext("imscc:title", namespaces=MOODLE_NS), etree.tostring(item)


def test_moodle_every_identifierref_names_a_resource_of_a_type_it_imports(cartridge: Unpacked) -> None:
    """backup/cc/cc2moodle.php:743 (get_item_cc_type) looks the item's identifierref up as `resource[@identifier]`
    and reads its type; cc2moodle.php:716-722 turns imswl and webcontent into course resources."""
    refs = [item.get("identifierref") for item in moodle_query(cartridge, "//imscc:item[@identifierref]")]
    assert len(refs) > len(cartridge.resources)  # the resources and the cover page
    for ref in refs:
        types = moodle_query(cartridge, f'/imscc:manifest/imscc:resources/imscc:resource[@identifier="{ref}"]/@type')
        assert [str(t) for t in types] in ([t] for t in MOODLE_RESOURCE_TYPES), ref


def test_moodle_reads_a_web_link_from_its_first_file(cartridge: Unpacked) -> None:
    """backup/cc/entity11.resource.class.php:83 takes the Web Link resource's first `imscc:file/@href`, loads it and
    reads `/wl:webLink/wl:url/@href` (:91), which must pass `validateUrlSyntax` (:94) or becomes
    http://invalidurldetected/: an ASCII http(s) address."""
    links = {resource.title: resource.link for resource in cartridge.resources if resource.link}
    found = {}
    for resource in moodle_query(cartridge, '//imscc:resource[@type="imswl_xmlv1p1"]'):
        href = resource.xpath("imscc:file/@href", namespaces=MOODLE_NS)[0]
        document = etree.fromstring(cartridge.read(href))
        url = document.xpath("/wl:webLink/wl:url/@href", namespaces=MOODLE_WL)[0]
        assert url.isascii() and re.match(r"https?://[A-Za-z0-9.-]+(:\d+)?(/|$)", url), url
        found[document.xpath("/wl:webLink/wl:title", namespaces=MOODLE_WL)[0].text] = url
    assert found == {title: ascii_address(link) for title, link in links.items()}


def test_moodle_reads_web_content_from_the_resource_href(cartridge: Unpacked) -> None:
    """backup/cc/entity11.resource.class.php:56 takes a webcontent resource's `@href` (its first `imscc:file/@href`
    otherwise, :67) as the file to show; an .html one becomes a page (:121-125). The file is in the package."""
    for resource in moodle_query(cartridge, '//imscc:resource[@type="webcontent"]'):
        href = resource.get("href")
        assert href == resource.xpath("imscc:file/@href", namespaces=MOODLE_NS)[0]
        assert href in cartridge.zip.namelist()
    cover = moodle_query(cartridge, '//imscc:resource[@href="cover/about-this-collection.html"]')
    assert len(cover) == 1


# Canvas


def test_canvas_supports_every_resource_type(cartridge: Unpacked) -> None:
    """lib/cc/importer/standard/converter.rb:33 (commit 00b222d7): SUPPORTED_TYPES."""
    types = {resource.get("type") for resource in cartridge.manifest.iterfind(".//imscc:resource", NS)}
    assert types and all(CANVAS_SUPPORTED.search(t) for t in types), types


def test_canvas_makes_a_titled_module_of_each_child_of_the_root_item(cartridge: Unpacked) -> None:
    """lib/cc/importer/standard/org_converter.rb:28-44 (commit 26c99428): each `organization > item > item` with an
    identifierref lands in a "Misc Module"; one without is a module, titled by its first `title` child (:52-58), with
    `identifier` as its migration id (:41). So each section is a titled folder, and module ids are unique."""
    doc = without_namespaces(cartridge.read("imsmanifest.xml"))
    modules = doc.findall("organizations/organization/item/item")
    assert modules and all(m.get("identifierref") is None and m.find("title").text for m in modules)
    identifiers = [node.get("identifier") for node in doc.iter() if node.get("identifier")]
    assert len(identifiers) == len(set(identifiers))


def test_canvas_reads_a_web_link_url_and_title_from_the_first_file(cartridge: Unpacked) -> None:
    """lib/cc/importer/standard/weblink_converter.rb:24-33 (commit da246769): the first `file` of the resource, its
    `webLink title` and `webLink url[href]`; org_converter.rb:94-99 drops a link item whose URL is blank."""
    doc = without_namespaces(cartridge.read("imsmanifest.xml"))
    resources = {r.get("identifier"): r for r in doc.iter("resource")}
    for item in doc.iter("item"):
        resource = resources.get(item.get("identifierref", ""))
        if resource is None or not resource.get("type", "").startswith("imswl"):
            continue
        link = without_namespaces(cartridge.read(resource.find("file").get("href")))
        assert link.find("url").get("href")
        assert link.find("title").text == item.find("title").text


def test_canvas_takes_a_web_content_file_from_href_or_the_first_file(cartridge: Unpacked) -> None:
    """lib/cc/importer/standard/webcontent_converter.rb:22-36 (commit 03e1b60a): the course file is the resource's
    `href`, or its first `file`; org_converter.rb:124-143 links the item to it as FILE_TYPE."""
    doc = without_namespaces(cartridge.read("imsmanifest.xml"))
    for resource in doc.iter("resource"):
        if resource.get("type") == "webcontent":
            files = [f.get("href") for f in resource.findall("file")]
            assert files[0] == resource.get("href") and set(files) <= set(cartridge.zip.namelist())


def test_canvas_publishes_every_item_because_none_is_for_instructors_only(cartridge: Unpacked) -> None:
    """lib/cc/importer/standard/org_converter.rb:147: an item whose resource has intendedEndUserRole "Instructor" is
    imported unpublished; Moodle hides it too (backup/cc/cc112moodle.php:184-196, Instructor or Mentor)."""
    doc = without_namespaces(cartridge.read("imsmanifest.xml"))
    assert list(doc.iter("intendedEndUserRole")) == []


def test_an_item_points_at_a_resource_of_the_manifest(cartridge: Unpacked) -> None:
    """IMS CP (the identifierref of an item is an IDREF to a resource) and both importers' lookups by identifier."""
    for item in cartridge.manifest.iterfind(".//imscc:item[@identifierref]", NS):
        assert resource_element(cartridge, item.get("identifierref")).tag == f"{{{CP}}}resource"
