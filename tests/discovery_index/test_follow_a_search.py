"""Following a search: an independent ActivityPub server (Fedify 2.3.6) follows `@search-…@index` as Mastodon would
(WebFinger, the actor, a signed Follow), gets a verified Accept, and then each new resource matching the search,
published on a Lectern site the index follows, reaches it as a verified boost (Announce) of the original Note; a new
resource that does not match does not."""

from __future__ import annotations

import re

from tests.conftest import require
from tests.discovery_index.conftest import Sites
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer

RESOURCE = """---
title: {title}
summary: {summary}
link: https://example.org/{slug}
license: CC-BY-4.0
language: en
level: {level}
subjects: mathematics, fractions
type: lesson plan
tags: fractions
authors: Illustrative Mathematics
added: 2026-11-30
---
Try it in pairs.
"""


def test_a_peer_follows_a_search_and_gets_each_new_matching_resource_as_a_boost(sites: Sites) -> None:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    site, index = sites.a, sites.index
    status, raw = index.request("GET", "/search?q=tangram&level=primary")
    page = raw.decode()
    handle = re.search(r"<code>@(search-[0-9a-f]{10})@", page)
    assert status == 200 and handle, page
    actor_id = f"{index.url}/searches/{handle.group(1)}"
    assert f'<link rel="alternate" type="application/activity+json" href="{actor_id}">' in page
    actor = index.get_json(f"/searches/{handle.group(1)}")
    assert (actor["type"], actor["name"]) == ("Service", "Search: “tangram”, level primary")

    folder = site.project / "content" / "fractions"
    other = folder / "tangram-secondary.md"
    matching = folder / "tangram-fractions.md"
    with start_peer() as peer:
        follow = peer.follow(f"@{handle.group(1)}@{index.host}")
        accept = peer.wait_for_activity("Accept", actor=actor_id, timeout=30)
        assert accept["verified"] is True and accept["object_id"] == follow["follow_id"]
        assert index.get_json(f"/searches/{handle.group(1)}/followers")["totalItems"] == 1
        try:
            older = {"title": "Tangram fractions for older pupils", "summary": "Area fractions with tangram pieces."}
            other.write_text(RESOURCE.format(**older, slug="tangram-2", level="upper secondary"), encoding="utf-8")
            younger = {"title": "Tangram fractions", "summary": "Name each tangram piece as a fraction of the square."}
            matching.write_text(RESOURCE.format(**younger, slug="tangram-1", level="primary"), encoding="utf-8")
            built = site.lectern("build")
            assert built.returncode == 0, built.stderr
            delivered = site.lectern("deliver")
            assert delivered.returncode == 0 and "0 failed" in delivered.stdout, delivered.stdout

            note = site.get_json("/ap/objects/fractions/tangram-fractions.json")["id"]
            boost = peer.wait_for_activity("Announce", actor=actor_id, timeout=30)
            assert boost["verified"] is True and boost["http_signature"]["key_id"] == f"{actor_id}#main-key"
            assert boost["object_id"] == note
            boosts = [entry for entry in peer.inbox() if entry["type"] == "Announce"]
            assert [entry["object_id"] for entry in boosts] == [note]  # the secondary one does not match
        finally:
            other.unlink(missing_ok=True)
            matching.unlink(missing_ok=True)
            site.lectern("build")
            site.lectern("deliver")
