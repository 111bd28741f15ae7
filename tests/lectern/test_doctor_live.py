"""`lectern doctor --url` against a real `lectern serve` on loopback: what the site serves (Content-Type,
Cache-Control, no redirects, id equal to the URL fetched), the WebFinger round trip of every actor, and the
`rel=alternate` link of every page to its JSON twin."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.conftest import copy_project
from tests.lectern_server import LecternServer

SERVED_RULES = ("fetch", "status", "redirect", "content-type", "cache-control", "json", "webfinger", "alternate", "id")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    project = copy_project(tmp_path_factory.mktemp("doctor-live") / "project")
    running = LecternServer(project, serve_args=("--no-deliver",), verbose=False)
    try:
        yield running
    finally:
        running.stop()


def lines_for(stderr: str, rule: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(rf"\S+: (warning: )?{re.escape(rule)}: ", line)]


def test_the_served_site_follows_the_served_rules(server: LecternServer) -> None:
    result = server.lectern("doctor", "--url", server.site_url)
    assert "Traceback" not in result.stderr, result.stderr
    for rule in SERVED_RULES:
        assert lines_for(result.stderr, rule) == [], f"{rule}:\n{result.stderr}"
    summary = result.stderr.splitlines()[-1] if result.returncode else result.stdout.splitlines()[-1]
    checked = int(summary.split(" ActivityPub documents of ")[0].split()[-1])
    assert checked >= 4 + 3 * 17, summary  # actors, and every resource's Note, Create and Announce
    assert f"{server.site_url}/ap/objects/python-basics/think-python.json\nMastodon: " in result.stdout


def test_a_wrong_id_a_redirect_and_a_missing_twin_link_are_reported(server: LecternServer) -> None:
    output = server.project / "output"
    note = output / "ap/objects/python-basics/think-python.json"
    actor = output / "ap/actors/library.json"
    page = output / "python-basics/index.html"
    saved = {path: path.read_bytes() for path in (note, actor, page)}
    try:
        note.write_text(json.dumps({**json.loads(note.read_text()), "id": "https://elsewhere.example/notes/1"}))
        actor.write_text(json.dumps({**json.loads(actor.read_text()), "following": f"{server.site_url}/python-basics"}))
        page.write_text(page.read_text().replace('type="application/activity+json"', 'type="text/plain"', 1))
        result = server.lectern("doctor", "--url", server.site_url, "--no-preview")
    finally:
        for path, content in saved.items():
            path.write_bytes(content)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    note_url = f"{server.site_url}/ap/objects/python-basics/think-python.json"
    assert f"{note_url}: id: the id is https://elsewhere.example/notes/1 but the document is served at {note_url};" in (
        result.stderr
    )
    redirect = lines_for(result.stderr, "redirect")
    assert redirect and redirect[0].startswith(f"{server.site_url}/python-basics: redirect: answers 30"), lines
    assert (
        f"{server.site_url}/python-basics/: alternate: the page's rel=alternate ActivityPub link points at nothing, "
        f"not {server.site_url}/ap/actors/python-basics.json;" in result.stderr
    )
