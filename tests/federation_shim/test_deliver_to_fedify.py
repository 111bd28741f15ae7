"""Add, edit and delete a resource in a git repository of content, build, deliver: a Fedify peer following the
collection receives and verifies a Create, then an Update, then a Delete. A second server shows that `lectern serve`
notices a new build and delivers it by itself."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

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


def test_create_update_and_delete_reach_a_fedify_follower_verified(project: Path) -> None:
    server = LecternServer(project, serve_args=("--no-deliver",))
    try:
        first = server.lectern("deliver")
        assert "First run: 17 existing resources recorded" in first.stdout, first.stdout
        with start_peer() as peer:
            follow = peer.follow(f"@fractions@{server.host}")
            peer.wait_for_activity("Accept", object_id=follow["follow_id"], timeout=15)
            collection = server.get_json("/ap/actors/fractions.json")["id"]
            note_id = f"{server.site_url}/ap/objects/fractions/paper-strips.json"
            resource = project / "content" / "fractions" / "paper-strips.md"

            resource.write_text(NEW_RESOURCE, encoding="utf-8")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "Add the paper strips lesson")
            assert "Queued 2 activities as 1 deliveries" in build_and_deliver(server)
            create = peer.wait_for_activity("Create", actor=collection, object_id=note_id, timeout=15)
            assert create["verified"] and create["http_signature"]["verified"], create
            assert "Equivalent fractions with paper strips" in json.dumps(create["activity"])

            resource.write_text(
                NEW_RESOURCE.replace("A hands-on lesson", "A hands-on 40-minute lesson").replace(
                    "added: 2026-11-20", "added: 2026-11-20\nupdated: 2026-11-24"
                ),
                encoding="utf-8",
            )
            git(project, "commit", "-q", "-am", "Say how long the lesson takes")
            assert "Queued 1 activities" in build_and_deliver(server)
            update = peer.wait_for_activity("Update", actor=collection, object_id=note_id, timeout=15)
            assert update["verified"] and update["http_signature"]["verified"], update
            assert "40-minute" in json.dumps(update["activity"])
            assert update["activity"]["object"]["updated"] == "2026-11-24T00:00:00Z"

            git(project, "rm", "-q", str(resource.relative_to(project)))
            git(project, "commit", "-q", "-m", "Remove the paper strips lesson")
            assert "Queued 1 activities" in build_and_deliver(server)
            delete = peer.wait_for_activity("Delete", actor=collection, object_id=note_id, timeout=15)
            assert delete["verified"] and delete["http_signature"]["verified"], delete

            tombstone = server.get_json("/ap/objects/fractions/paper-strips.json")
            assert tombstone["type"] == "Tombstone" and tombstone["id"] == note_id
            status, _headers, page = server.get("/fractions/paper-strips/")
            assert status == 200 and b"Equivalent fractions with paper strips" in page

            again = server.lectern("deliver")
            assert "Queued 0 activities as 0 deliveries" in again.stdout
            status_report = server.lectern("status")
            assert "fractions: 1" in status_report.stdout and "0 queued" in status_report.stdout
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
            create = peer.wait_for_activity(
                "Create", object_id=f"{server.site_url}/ap/objects/python-basics/strips.json", timeout=20
            )
            assert create["verified"]
    finally:
        server.stop()
