"""`lectern build` publishes each collection's cartridge beside its page, and the page offers it; `lectern serve`
serves it with the Common Cartridge media type."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree

from lectern.content_types import IMS_CC
from lectern.generator.cartridge_output import cartridge_path
from lectern.settings import Settings
from tests.conftest import SITE_URL, copy_project
from tests.generator.cartridge_support import COLLECTIONS, NS, schema
from tests.lectern_server import LecternServer

DOWNLOAD = re.compile(r'<a class="button" href="([^"]+)" download="([^"]+)">Download ([^<]+)</a>')


def manifest_of(data: bytes) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml"))


def test_each_collection_page_offers_its_cartridge_published_beside_it(built_site: tuple[Settings, Path]) -> None:
    _settings, output = built_site
    for slug in COLLECTIONS:
        page = (output / slug / "index.html").read_text(encoding="utf-8")
        assert "Download for your course (Moodle, Canvas, Brightspace, …)" in page
        assert DOWNLOAD.findall(page) == [(f"{SITE_URL}/{slug}/{slug}.imscc", f"{slug}.imscc", f"{slug}.imscc")]
        assert "Import Course Content" in page and "Course reuse › Restore" in page
        manifest = manifest_of((output / cartridge_path(slug)).read_bytes())
        assert schema("ccv1p1_imscp_v1p2_v1p0.xsd").validate(manifest.getroottree())


def test_the_page_names_the_resources_whose_license_forbids_commercial_use(built_site: tuple[Settings, Path]) -> None:
    _settings, output = built_site
    page = (output / "python-basics" / "index.html").read_text(encoding="utf-8")
    limits = re.search(r"Non-commercial use only \(NC\): ([^<]+)</li>", page)
    assert limits is not None
    assert limits.group(1).split("; ") == [
        "Introduction to Computer Science and Programming in Python (MIT 6.0001, Fall 2016)",
        "Python for Everybody: Exploring Data in Python 3",
        "Think Python, 2nd edition",
    ]
    assert "No adapted versions (ND)" not in page


def test_the_cartridge_lists_the_resources_in_the_order_of_the_collection_page(
    built_site: tuple[Settings, Path],
) -> None:
    _settings, output = built_site
    for slug in COLLECTIONS:
        page = (output / slug / "index.html").read_text(encoding="utf-8")
        on_page = re.findall(r'<li data-key="([^"]+)">', page)
        manifest = manifest_of((output / cartridge_path(slug)).read_bytes())
        entries = manifest.xpath(
            "//imscc:item/imscc:metadata/lomimscc:lom/lomimscc:general/lomimscc:identifier/lomimscc:entry/text()",
            namespaces=NS,
        )
        in_cartridge = list(dict.fromkeys(str(e).removeprefix(f"{SITE_URL}/").rstrip("/") for e in entries))
        assert len(on_page) >= 5 and in_cartridge == on_page


def test_lectern_serve_serves_the_page_s_download_as_a_common_cartridge(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    server = LecternServer(project)
    try:
        status, _headers, body = server.get("/intro-physics/")
        assert status == 200
        [(href, _name, _label)] = DOWNLOAD.findall(body.decode())
        assert href == f"{server.site_url}/intro-physics/intro-physics.imscc"
        status, headers, data = server.get(href.removeprefix(server.site_url))
    finally:
        server.stop()
    assert status == 200
    assert headers["content-type"] == IMS_CC == "application/vnd.ims.imsccv1p1"
    assert data == (project / "output" / "intro-physics" / "intro-physics.imscc").read_bytes()
    assert schema("ccv1p1_imscp_v1p2_v1p0.xsd").validate(manifest_of(data).getroottree())
