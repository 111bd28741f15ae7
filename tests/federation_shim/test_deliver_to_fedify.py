"""Add, edit, delete and add again a resource in a git repository of content, build, deliver: a Fedify peer following
the collection and the site actor receives and verifies the Create and the collection's Announces, then an Update, a
Delete, and a new Create with new ids. A hosted PDF arrives as a Document. A second server shows that `lectern serve`
notices a new build and delivers it by itself."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import copy_project, require
from tests.lectern_server import LecternServer
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer

NEW_RESOURCE = """---
title: Equivalent fractions with paper strips
summary: A hands-on lesson where pupils fold paper strips to find equivalent fractions.
link: https://example.org/equivalent-fractions
license: CC-BY-4.0
language: en
level: primary
subjects: mathematics, fractions
type: lesson plan
tags: fractions, hands_on
authors: Ms. Rivera
added: 2026-11-20
---
Fold first, name the fractions after.
"""


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.org", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def build_and_deliver(server: LecternServer) -> str:
    built = server.lectern("build")
    assert built.returncode == 0, built.stderr
    delivered = server.lectern("deliver")
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr
    return delivered.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    project = copy_project(tmp_path / "project")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "The collections")
    return project


def recent(timestamp: str, minutes: float = 10) -> bool:
    """True when `timestamp` (ISO 8601, UTC) is within `minutes` of now: the Note sorts at the top of timelines
    (Mastodon makes a status id from `published`, lib/mastodon/snowflake.rb, and pushes to home feeds only statuses
    younger than six hours: `within_realtime_window?` in app/models/status.rb)."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return abs(datetime.now(UTC) - moment) < timedelta(minutes=minutes)


def test_create_update_and_delete_reach_a_fedify_follower_verified(project: Path) -> None:
    """A Fedify peer follows the collection and the site actor. A resource whose `added` is a year old, committed
    now: the site actor's Create of the Note (published now), the collection's boost of the Note and its Announce of
    the Page's Create arrive verified; then an Update, a Delete, and the resource added again under new ids."""
    server = LecternServer(project, serve_args=("--no-deliver",))
    try:
        first = server.lectern("deliver")
        assert "First run: 17 existing resources recorded" in first.stdout, first.stdout
        with start_peer() as peer:
            for handle in (f"@fractions@{server.host}", f"@library@{server.host}"):
                follow = peer.follow(handle)
                peer.wait_for_activity("Accept", object_id=follow["follow_id"], timeout=15)
            collection = server.get_json("/ap/actors/fractions.json")["id"]
            site_actor = server.get_json("/ap/actors/library.json")["id"]
            for actor_id in (collection, site_actor):  # Mastodon takes only JPEG, PNG, GIF and WebP avatars
                looked_up = peer.lookup(actor_id)
                for field in ("icon", "image"):
                    picture = looked_up["object"][field] if "object" in looked_up else looked_up[field]
                    assert picture["mediaType"] in ("image/png", "image/jpeg"), picture
                    status, headers, body = server.get(urlsplit(picture["url"]).path)
                    assert status == 200 and headers["content-type"] == picture["mediaType"]
                    assert body.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))
            note_id = f"{server.site_url}/ap/objects/fractions/paper-strips.json"
            page_id = f"{server.site_url}/ap/pages/fractions/paper-strips.json"
            resource = project / "content" / "fractions" / "paper-strips.md"

            resource.write_text(NEW_RESOURCE.replace("added: 2026-11-20", "added: 2025-11-20"), encoding="utf-8")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "Add the paper strips lesson")
            assert "Queued 3 activities as 3 deliveries" in build_and_deliver(server)
            create = peer.wait_for_activity("Create", actor=site_actor, object_id=note_id, timeout=15)
            assert create["verified"] and create["http_signature"]["verified"], create
            note = create["activity"]["object"]
            assert note["name"] == "Equivalent fractions with paper strips" and note["audience"] == collection
            assert recent(note["published"]), note["published"]  # not the year-old `added`
            assert note["dateCreated"] == "2025-11-20T00:00:00Z"  # which stays as educational metadata
            assert note["attachment"][0] == {
                "type": "Link",
                "href": "https://example.org/equivalent-fractions",
                "mediaType": "text/html",
                "name": "Equivalent fractions with paper strips",
            }
            boost = peer.wait_for_activity("Announce", actor=collection, object_id=note_id, timeout=15)
            assert boost["verified"] and recent(boost["activity"]["published"]), boost
            shared = peer.wait_for_activity("Announce", actor=collection, object_id=f"{page_id}#create", timeout=15)
            assert shared["verified"] and shared["activity"]["object"]["object"]["type"] == "Page", shared

            resource.write_text(
                NEW_RESOURCE.replace("A hands-on lesson", "A hands-on 40-minute lesson").replace(
                    "added: 2026-11-20", "added: 2025-11-20\nupdated: 2026-11-24"
                ),
                encoding="utf-8",
            )
            git(project, "commit", "-q", "-am", "Say how long the lesson takes")
            assert "Queued 2 activities" in build_and_deliver(server)
            update = peer.wait_for_activity("Update", actor=site_actor, object_id=note_id, timeout=15)
            assert update["verified"] and update["http_signature"]["verified"], update
            assert "40-minute" in json.dumps(update["activity"])
            assert update["activity"]["object"]["updated"] > note["published"]

            git(project, "rm", "-q", str(resource.relative_to(project)))
            git(project, "commit", "-q", "-m", "Remove the paper strips lesson")
            assert "Queued 2 activities" in build_and_deliver(server)
            delete = peer.wait_for_activity("Delete", actor=site_actor, object_id=note_id, timeout=15)
            assert delete["verified"] and delete["http_signature"]["verified"], delete

            tombstone = server.get_json("/ap/objects/fractions/paper-strips.json")
            assert tombstone["type"] == "Tombstone" and tombstone["id"] == note_id
            status, _headers, page = server.get("/fractions/paper-strips/")
            assert status == 200 and b"Equivalent fractions with paper strips" in page

            again = server.lectern("deliver")
            assert "Queued 0 activities as 0 deliveries" in again.stdout
            status_report = server.lectern("status")
            assert "fractions: 1" in status_report.stdout and "0 queued" in status_report.stdout

            # added again: a new object with new ids (Mastodon refuses a Create for a URI it holds a Tombstone of)
            resource.write_text(NEW_RESOURCE, encoding="utf-8")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "The paper strips lesson is back")
            assert "Queued 3 activities as 3 deliveries" in build_and_deliver(server)
            second_id = f"{server.site_url}/ap/objects/fractions/paper-strips.2.json"
            recreated = peer.wait_for_activity("Create", actor=site_actor, object_id=second_id, timeout=15)
            assert recreated["verified"] and recreated["http_signature"]["verified"], recreated
            assert recreated["id"] != create["id"] and recent(recreated["activity"]["object"]["published"])
            assert server.get_json("/ap/objects/fractions/paper-strips.json")["type"] == "Tombstone"
            assert server.get_json("/ap/objects/fractions/paper-strips.2.json")["type"] == "Note"
    finally:
        server.stop()


def test_a_hosted_pdf_arrives_as_a_document_attachment(project: Path) -> None:
    server = LecternServer(project, serve_args=("--no-deliver",))
    try:
        server.lectern("deliver")
        with start_peer() as peer:
            follow = peer.follow(f"@library@{server.host}")
            peer.wait_for_activity("Accept", object_id=follow["follow_id"], timeout=15)
            folder = project / "content" / "fractions"
            (folder / "strips.pdf").write_bytes((project / "content/python-basics/loops-worksheet.pdf").read_bytes())
            (folder / "strips-sheet.md").write_text(
                NEW_RESOURCE.replace("link: https://example.org/equivalent-fractions", "files: strips.pdf"),
                encoding="utf-8",
            )
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "A worksheet to print")
            build_and_deliver(server)
            note_id = f"{server.site_url}/ap/objects/fractions/strips-sheet.json"
            create = peer.wait_for_activity("Create", object_id=note_id, timeout=15)
            assert create["verified"], create
            (document,) = create["activity"]["object"]["attachment"]
            assert document["type"] == "Document" and document["mediaType"] == "application/pdf"
            assert document["url"] == f"{server.site_url}/fractions/files/strips.pdf" and document["name"]
            status, headers, body = server.get("/fractions/files/strips.pdf")
            assert status == 200 and body.startswith(b"%PDF") and headers["content-type"] == "application/pdf"
    finally:
        server.stop()


def test_lectern_serve_delivers_a_new_build_by_itself(project: Path) -> None:
    server = LecternServer(project)
    try:
        with start_peer() as peer:
            follow = peer.follow(f"@python-basics@{server.host}")
            peer.wait_for_activity("Accept", object_id=follow["follow_id"], timeout=15)
            (project / "content" / "python-basics" / "strips.md").write_text(
                NEW_RESOURCE.replace("subjects: mathematics, fractions", "subjects: computing"), encoding="utf-8"
            )
            assert server.lectern("build").returncode == 0
            boost = peer.wait_for_activity(
                "Announce", object_id=f"{server.site_url}/ap/objects/python-basics/strips.json", timeout=20
            )
            assert boost["verified"]
    finally:
        server.stop()
