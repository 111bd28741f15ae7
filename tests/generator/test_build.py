"""A real Pelican build of the example content: every emitted document checked against the rules it must follow."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lectern.build import build_site
from lectern.jsonld import expand, undefined_terms
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from lectern.vocabulary import PUBLIC
from tests.conftest import copy_project, project_settings

ACTOR_FIELDS = (
    "id",
    "type",
    "preferredUsername",
    "name",
    "summary",
    "url",
    "inbox",
    "outbox",
    "followers",
    "endpoints",
    "publicKey",
    "discoverable",
    "indexable",
    "webfinger",
)


def documents(output: Path) -> dict[str, Any]:
    found = {}
    for path in sorted(output.rglob("*.json")) + [output / ".well-known" / "nodeinfo"]:
        found[path.relative_to(output).as_posix()] = json.loads(path.read_text(encoding="utf-8"))
    return found


def load(output: Path, paths: SitePaths, url: str) -> Any:
    return json.loads((output / paths.output_file(url)).read_text(encoding="utf-8"))


def scalar_count(value: Any, expanded: bool = False) -> int:
    """Values a document carries; expansion must keep every one (a dropped property loses its values)."""
    if isinstance(value, dict):
        if expanded and "@value" in value:
            return 1  # one literal, with its @type or @language
        skip = {"@context"}
        return sum(scalar_count(v, expanded) for k, v in value.items() if k not in skip)
    if isinstance(value, list):
        return sum(scalar_count(v, expanded) for v in value)
    return 1


def test_every_json_ld_document_expands_with_bundled_contexts_and_drops_nothing(
    built_site: tuple[Settings, Path],
) -> None:
    _settings, output = built_site
    checked = 0
    for name, document in documents(output).items():
        if "@context" not in document:
            continue
        expanded = expand(document)
        assert undefined_terms(expanded) == set(), name
        assert scalar_count(expanded, expanded=True) == scalar_count(document), f"{name} lost properties in expansion"
        checked += 1
    assert checked > 40


def test_collection_actors_have_what_mastodon_and_fedify_read(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    index = json.loads((output / "ap" / "webfinger.json").read_text())
    assert set(index["accounts"]) >= {"library", "python-basics", "fractions"}
    for name, account in index["accounts"].items():
        actor = load(output, paths, account["actor"])
        for field in ACTOR_FIELDS:
            assert field in actor, f"{name}: {field}"
        assert actor["type"] == ("Service" if name == settings.site_actor else "Group")
        assert actor["id"] == paths.actor(name)
        assert actor["preferredUsername"] == name
        assert actor["webfinger"] == f"{name}@127.0.0.1:8000"
        assert actor["publicKey"] == {
            "id": f"{actor['id']}#main-key",
            "owner": actor["id"],
            "publicKeyPem": actor["publicKey"]["publicKeyPem"],
        }
        assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
        assert actor["endpoints"] == {"sharedInbox": "http://127.0.0.1:8000/ap/inbox"}
        assert (output / paths.output_file(actor["url"])).is_file()
        assert actor["url"] == account["page"]


def test_outboxes_are_paged_newest_first_and_count_their_items(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    for name in ("python-basics", settings.site_actor):
        outbox = load(output, paths, paths.outbox(name))
        assert outbox["type"] == "OrderedCollection"
        items: list[Any] = []
        page_url: str | None = outbox["first"]
        while page_url:
            page = load(output, paths, page_url)
            assert page["type"] == "OrderedCollectionPage" and page["partOf"] == outbox["id"]
            items += page["orderedItems"]
            page_url = page.get("next")
        assert len(items) == outbox["totalItems"] > 0
        dates = [item["published"] for item in items]
        assert dates == sorted(dates, reverse=True)
        # the site actor's: its Creates of the Notes; a collection's: its Announces of the Pages' Creates (FEP-1b12)
        assert {item["type"] for item in items} == {"Announce" if name != settings.site_actor else "Create"}


def test_every_resource_is_a_dereferenceable_note_by_the_site_actor_in_its_collections_group(
    built_site: tuple[Settings, Path],
) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    site_actor = paths.actor(settings.site_actor)
    outbox_page = load(output, paths, paths.outbox_page("python-basics", 1))
    assert outbox_page["orderedItems"]
    for shared in outbox_page["orderedItems"]:
        assert load(output, paths, shared["id"]) == {"@context": shared_context(output, paths, shared), **shared}
        assert shared["type"] == "Announce" and shared["actor"] == paths.actor("python-basics")
        create = shared["object"]
        page = create["object"]
        assert create["type"] == "Create" and create["actor"] == page["attributedTo"] == site_actor
        assert page["type"] == "Page" and load(output, paths, page["id"])["type"] == "Page"
        note = load(output, paths, page["id"].replace("/ap/pages/", "/ap/objects/"))
        assert note["type"] == "Note" and note["name"] == page["name"]
        assert note["attributedTo"] == site_actor and note["audience"] == paths.actor("python-basics")
        assert note["to"] == [PUBLIC]
        assert note["cc"] == [
            paths.actor("python-basics"),
            paths.followers("python-basics"),
            paths.followers(settings.site_actor),
        ]
        assert note.get("updated", note["published"]) >= note["published"]
        assert (output / paths.output_file(note["url"])).is_file()
        assert note["license"] in note["content"]
        assert note["attachment"], note["id"]
        for tag in note["tag"]:
            assert tag["type"] == "Hashtag" and tag["name"][1:] in note["content"]
        key = note["id"].split("/ap/objects/", 1)[1].removesuffix(".json")
        assert load(output, paths, paths.create(key))["object"]["id"] == note["id"]
        announce = load(output, paths, paths.announce(key))
        assert announce["object"] == note["id"] and announce["actor"] == paths.actor("python-basics")


def shared_context(output: Path, paths: SitePaths, document: dict[str, Any]) -> Any:
    return load(output, paths, document["id"])["@context"]


def test_html_pages_link_their_activitypub_twin(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    page = (output / "python-basics" / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="alternate" type="application/activity+json" href="{paths.actor("python-basics")}">' in page
    for create in load(output, paths, paths.outbox_page(settings.site_actor, 1))["orderedItems"]:
        html = (output / paths.output_file(create["object"]["url"])).read_text(encoding="utf-8")
        assert f'type="application/activity+json" href="{create["object"]["id"]}"' in html


def test_discovery_documents_point_at_webfinger_and_nodeinfo(built_site: tuple[Settings, Path]) -> None:
    _settings, output = built_site
    host_meta = (output / ".well-known" / "host-meta").read_text()
    assert 'template="http://127.0.0.1:8000/.well-known/webfinger?resource={uri}"' in host_meta
    links = json.loads((output / ".well-known" / "nodeinfo").read_text())["links"]
    assert [link["rel"] for link in links] == [
        "http://nodeinfo.diaspora.software/ns/schema/2.0",  # some software looks only for 2.0
        "http://nodeinfo.diaspora.software/ns/schema/2.1",
    ]
    for version, link in zip(("2.0", "2.1"), links, strict=True):
        assert link["href"] == f"http://127.0.0.1:8000/nodeinfo/{version}.json"
        nodeinfo = json.loads((output / "nodeinfo" / f"{version}.json").read_text())
        assert nodeinfo["version"] == version
        assert nodeinfo["software"]["name"] == "lectern" and nodeinfo["protocols"] == ["activitypub"]
    assert set(json.loads((output / "nodeinfo" / "2.0.json").read_text())["software"]) == {"name", "version"}


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    """Two builds in two processes (Python's string hashing, and so set order, differs between processes)."""
    project = copy_project(tmp_path / "project")
    for name, seed in (("first", "1"), ("second", "2")):
        result = subprocess.run(
            [sys.executable, "-m", "lectern.cli", "build", "--site-url", "http://127.0.0.1:8000", "--output", name],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
    assert tree_digest(project / "first") == tree_digest(project / "second")


def test_only_the_public_key_reaches_the_output_and_the_private_key_is_0600(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    key_file = settings.instance_dir / "keys" / "private-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    for path in output.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_a_build_with_a_public_key_from_the_environment_needs_no_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_site: tuple[Settings, Path]
) -> None:
    settings, _output = built_site
    pem = json.loads((_output / "ap" / "actors" / "library.json").read_text())["publicKey"]["publicKeyPem"]
    monkeypatch.setenv("LECTERN_PUBLIC_KEY", pem)
    project = copy_project(tmp_path / "ci")
    ci = project_settings(project)
    build_site(ci)
    assert not ci.instance_dir.exists()
    actor = json.loads((ci.output_dir / "ap" / "actors" / "library.json").read_text())
    assert actor["publicKey"]["publicKeyPem"] == pem
