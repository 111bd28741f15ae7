"""`lectern export` as an educator runs it: a real subprocess writing a cartridge, and its refusals."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree

from tests.generator.cartridge_support import schema
from tests.lectern.test_cli import break_file, lectern


def test_export_writes_the_collection_s_cartridge_in_the_current_folder(project: Path) -> None:
    result = lectern(project, "export", "python-basics")
    assert result.returncode == 0, result.stderr
    assert "Wrote python-basics.imscc (IMS Common Cartridge 1.1," in result.stdout
    data = (project / "python-basics.imscc").read_bytes()
    manifest = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml"))
    assert schema("cc11libxml2validator.xsd").validate(manifest.getroottree())
    again = lectern(project, "export", "python-basics", "--output", "again.imscc")
    assert again.returncode == 0 and (project / "again.imscc").read_bytes() == data


def test_export_in_cc_1_3_to_a_named_file(project: Path) -> None:
    result = lectern(project, "export", "fractions", "--cc-version", "1.3", "--output", "out/f.imscc")
    assert result.returncode == 1  # the folder does not exist: said, not a traceback
    assert result.stderr == "lectern: the folder out does not exist; create it, or give another --output\n"
    (project / "out").mkdir()
    result = lectern(project, "export", "fractions", "--cc-version", "1.3", "--output", "out/f.imscc")
    assert result.returncode == 0, result.stderr
    manifest = zipfile.ZipFile(project / "out" / "f.imscc").read("imsmanifest.xml")
    assert b'xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"' in manifest


def test_export_names_the_collections_when_the_handle_is_unknown(project: Path) -> None:
    result = lectern(project, "export", "python")
    assert result.returncode == 1
    assert "there is no collection 'python'; the collections are: fractions, intro-physics, python-basics" in (
        result.stderr
    )
    assert not (project / "python.imscc").exists()


def test_export_refuses_content_with_problems_and_writes_nothing(project: Path) -> None:
    break_file(project / "content" / "fractions" / "fraction-strips.md", "\nlicense:", "\nlicense: CC-BY-9.0\nold:")
    result = lectern(project, "export", "fractions")
    assert result.returncode == 1
    assert "fraction-strips.md" in result.stderr and "nothing was exported" in result.stderr
    assert not (project / "fractions.imscc").exists()
