"""`lectern doctor` on a real build: the example site passes, and each rule names what was broken on purpose.

Each test copies the session's build, breaks one document the way a theme, a hand edit or a bug in the generator
could, and runs `lectern doctor` as an educator would. It asserts that the broken rule's line is printed (and, where
the rule can be satisfied on today's output, that it is not printed before the breakage): other rules may fail too
while issue 11's output changes are under way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lectern.doctor import report
from lectern.doctor_model import Problem
from lectern.settings import Settings

NOTE = "ap/objects/python-basics/think-python.json"
LIBRARY = "ap/actors/library.json"
PYTHON_BASICS = "ap/actors/python-basics.json"


def doctor(project: Path, output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", "doctor", "--output", str(output), "--no-preview", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Site:
    """A copy of the session's build that a test may break."""

    def __init__(self, built_site: tuple[Settings, Path], target: Path) -> None:
        settings, output = built_site
        self.project = output.parent
        self.site_url = settings.site_url
        self.output = target
        shutil.copytree(output, target)

    def read(self, path: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads((self.output / path).read_text(encoding="utf-8"))
        return value

    def change(self, path: str, edit: Callable[[dict[str, Any]], None]) -> None:
        document = self.read(path)
        edit(document)
        (self.output / path).write_text(json.dumps(document), encoding="utf-8")

    def doctor(self) -> subprocess.CompletedProcess[str]:
        return doctor(self.project, self.output)

    def lines(self, path: str, rule: str) -> list[str]:
        """The lines doctor prints for `rule` on the document at `path` (an empty list when it finds nothing)."""
        result = self.doctor()
        assert "Traceback" not in result.stderr, result.stderr
        return [line for line in result.stderr.splitlines() if line.startswith(f"{path}: {rule}: ")]


@pytest.fixture
def site(built_site: tuple[Settings, Path], tmp_path: Path) -> Site:
    return Site(built_site, tmp_path / "output")


def test_doctor_passes_on_the_example_site(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    result = doctor(output.parent, output)
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout


def test_an_svg_icon_is_named_with_the_formats_mastodon_takes(site: Site) -> None:
    site.change(
        LIBRARY,
        lambda actor: actor.update(
            icon={"type": "Image", "mediaType": "image/svg+xml", "url": f"{site.site_url}/theme/logo.svg"}
        ),
    )
    result = site.doctor()
    assert result.returncode == 1
    expected = f"{LIBRARY}: icon: the icon is image/svg+xml; Mastodon takes only JPEG, PNG, GIF or WebP as an avatar;"
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr


def test_a_png_icon_whose_file_is_missing_is_reported(site: Site) -> None:
    icon = {"type": "Image", "mediaType": "image/png", "url": f"{site.site_url}/python-basics/files/cover.png"}
    (site.output / "python-basics" / "files" / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    site.change(PYTHON_BASICS, lambda actor: actor.update(icon=icon))
    assert site.lines(PYTHON_BASICS, "icon") == []
    (site.output / "python-basics" / "files" / "cover.png").unlink()
    assert site.lines(PYTHON_BASICS, "icon") == [
        f"{PYTHON_BASICS}: icon: {icon['url']} does not exist; build the image, or fix the URL"
    ]


def test_an_object_with_a_foreign_id_breaks_the_id_and_origin_rules(site: Site) -> None:
    site.change(NOTE, lambda note: note.update(id="https://elsewhere.example/notes/1"))
    result = site.doctor()
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{NOTE}: id: the id is https://elsewhere.example/notes/1 but the document is served at " in "\n".join(lines)
    assert any(line.startswith(f"{NOTE}: origin: the id https://elsewhere.example/notes/1 is not on") for line in lines)


def test_a_note_without_published_is_reported(site: Site) -> None:
    assert site.lines(NOTE, "published") == []
    site.change(NOTE, lambda note: note.pop("published"))
    assert site.lines(NOTE, "published") == [
        f"{NOTE}: published: the Note has no publication time; give it the resource's first publication as "
        "`published`, e.g. 2024-09-02T00:00:00Z"
    ]
    site.change(NOTE, lambda note: note.update(published="2 September 2024"))
    assert site.lines(NOTE, "published")[0].startswith(f"{NOTE}: published: '2 September 2024' is not an ISO 8601")


def test_a_note_without_attachments_is_reported(site: Site) -> None:
    link = {"type": "Link", "href": "https://greenteapress.com/wp/think-python-2e/", "mediaType": "text/html"}
    site.change(NOTE, lambda note: note.update(attachment=[link]))
    assert site.lines(NOTE, "attachment") == []
    site.change(NOTE, lambda note: note.update(attachment=[]))
    lines = site.lines(NOTE, "attachment")
    assert lines and lines[0].startswith(f"{NOTE}: attachment: the Note has no attachment: Pixelfed drops it")


def test_a_hosted_file_attached_without_its_media_type_is_reported(site: Site) -> None:
    url = f"{site.site_url}/python-basics/files/loops-worksheet.pdf"
    document = {"type": "Document", "mediaType": "application/pdf", "url": url, "name": "Loops worksheet"}
    site.change(NOTE, lambda note: note.update(attachment=[document]))
    assert site.lines(NOTE, "attachment") == []
    site.change(NOTE, lambda note: note.update(attachment=[{**document, "mediaType": None}]))
    assert site.lines(NOTE, "attachment") == [
        f"{NOTE}: attachment: a Document attachment has no mediaType; give every hosted file its mediaType, url and "
        "a name (the alt text Lemmy and Mastodon show)"
    ]


def test_a_group_as_author_and_a_missing_audience_are_reported_for_lemmy(site: Site) -> None:
    library, group = f"{site.site_url}/{LIBRARY}", f"{site.site_url}/{PYTHON_BASICS}"
    site.change(NOTE, lambda note: note.update(attributedTo=library, audience=group, name="Think Python"))
    for rule in ("attributedTo", "audience", "name"):
        assert site.lines(NOTE, rule) == [], rule
    site.change(NOTE, lambda note: note.update(attributedTo=group, audience=library))
    assert site.lines(NOTE, "attributedTo")[0].startswith(f"{NOTE}: attributedTo: the author {group} is a Group;")
    assert site.lines(NOTE, "audience") == [
        f"{NOTE}: audience: {library} is not a Group actor of this site; set `audience` to the collection's actor"
    ]


def test_a_malformed_hashtag_is_reported(site: Site) -> None:
    bad = {"type": "Hashtag", "href": f"{site.site_url}/tag/2024/", "name": "#2024"}
    site.change(NOTE, lambda note: note.update(tag=[*note["tag"], bad]))
    assert site.lines(NOTE, "tag")[0].startswith(f"{NOTE}: tag: the hashtag name '#2024' is not #")


def test_a_document_over_mastodons_fetch_limit_is_reported(site: Site) -> None:
    site.change(NOTE, lambda note: note.update(creditText="x" * 1_100_000))
    lines = site.lines(NOTE, "size")
    assert lines and "over the 1,048,576 Mastodon reads" in lines[0]


def test_a_key_owned_by_another_actor_is_reported(site: Site) -> None:
    site.change(LIBRARY, lambda actor: actor["publicKey"].update(owner=f"{site.site_url}/{PYTHON_BASICS}"))
    assert site.lines(LIBRARY, "publicKey")[0].startswith(f"{LIBRARY}: publicKey: the key's owner is ")


def test_attribution_domains_must_name_the_sites_host(site: Site) -> None:
    site.change(LIBRARY, lambda actor: actor.update(attributionDomains=["127.0.0.1"]))
    assert site.lines(LIBRARY, "attributionDomains") == []
    site.change(LIBRARY, lambda actor: actor.update(attributionDomains=["elsewhere.example"]))
    assert site.lines(LIBRARY, "attributionDomains")[0].startswith(
        f"{LIBRARY}: attributionDomains: 127.0.0.1 is not in the actor's attributionDomains;"
    )


def test_nodeinfo_must_list_both_versions(site: Site) -> None:
    schema = "http://nodeinfo.diaspora.software/ns/schema/"
    links = site.output / ".well-known" / "nodeinfo"
    shutil.copy(site.output / "nodeinfo" / "2.1.json", site.output / "nodeinfo" / "2.0.json")
    both = [{"rel": f"{schema}{v}", "href": f"{site.site_url}/nodeinfo/{v}.json"} for v in ("2.0", "2.1")]
    links.write_text(json.dumps({"links": both}))
    assert site.lines(".well-known/nodeinfo", "nodeinfo") == []
    links.write_text(json.dumps({"links": both[1:]}))
    assert site.lines(".well-known/nodeinfo", "nodeinfo") == [
        f".well-known/nodeinfo: nodeinfo: no link to NodeInfo 2.0 ({schema}2.0); list nodeinfo/2.0.json beside the "
        "other version"
    ]


def test_a_folder_without_a_build_is_one_clear_line(built_site: tuple[Settings, Path], tmp_path: Path) -> None:
    result = doctor(built_site[1].parent, tmp_path / "empty")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("lectern: ") and "run `lectern build` first" in result.stderr


def test_warnings_alone_pass_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    warning = Problem("ap/actors/library.json", "name", "the display name is 31 characters", "shorten it", True)
    assert report([warning], [], "output", show_previews=False) == 0
    captured = capsys.readouterr()
    assert captured.err == "ap/actors/library.json: warning: name: the display name is 31 characters; shorten it\n"
    assert captured.out == "0 ActivityPub documents of output checked: no problems, 1 warning.\n"
    failure = Problem("ap/actors/library.json", "icon", "the icon is image/svg+xml", "convert it")
    assert report([failure, warning], [], "output", show_previews=False) == 1


def test_doctor_has_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "doctor", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "usage: lectern doctor" in result.stdout and "--url SITE_URL" in result.stdout
