"""Communities end to end: a real, independent ActivityPub server (Fedify 2.3.6) replies to a resource, likes and
boosts it, and follows a classroom collection; the curator reviews with `lectern review`.

What a follower does reaches nobody before the curator decides: the reply waits, approving writes it (cleaned: no
script, no event handler) beside the resource in the content folder, the like and the boost are counted, and the
author's later Delete removes the reply at the next review. A classroom collection's follow waits too: approving
sends a verified Accept, rejecting a Reject.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import copy_project, require
from tests.lectern_server import LecternServer
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer

HOSTILE_REPLY = (
    '<p>This worked with my year 7s <script>alert("x")</script><img src=x onerror="alert(1)">, '
    'see <a href="https://school.example/plan" onclick="steal()">my plan</a></p>'
)
RESOURCE = "fractions/fraction-strips"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    project = copy_project(tmp_path_factory.mktemp("community") / "project")
    description = project / "content" / "python-basics" / "collection.md"
    description.write_text(description.read_text(encoding="utf-8").replace("\n---\n", "\nclassroom: yes\n---\n", 1))
    server = LecternServer(project)
    yield server
    server.stop()


def review(server: LecternServer, *args: str) -> Any:
    done = server.lectern("review", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else done.stdout


def test_a_reply_waits_for_review_is_written_clean_when_approved_and_goes_when_its_author_deletes_it(
    server: LecternServer,
) -> None:
    note = server.get_json(f"/ap/objects/{RESOURCE}.json")
    author = note["attributedTo"]
    with start_peer() as peer:
        reply = peer.reply(author, HOSTILE_REPLY, in_reply_to=note["id"])
        peer.like(author, note["id"])
        peer.announce(author, note["id"])
        elsewhere = peer.reply(author, "<p>not about you</p>", in_reply_to="https://elsewhere.example/notes/1")

        waiting = review(server, "--json")
        assert [(i["type"], i["object"], i["actor"]) for i in waiting] == [("reply", RESOURCE, peer.actor_id)]
        assert waiting[0]["text"] == "This worked with my year 7s , see my plan"
        everything = review(server, "--json", "--all")
        assert sorted(i["type"] for i in everything) == ["boost", "like", "reply"]
        assert elsewhere["note_id"] not in json.dumps(everything)

        replies_file = server.project / "content" / "fractions" / "fraction-strips.replies.json"
        counted = json.loads(replies_file.read_text(encoding="utf-8"))  # every review run counts the reactions
        assert counted == {"reactions": {"boosts": 1, "likes": 1, "quotes": 0}, "replies": []}

        approved = review(server, "approve", waiting[0]["id"])
        assert "fraction-strips.replies.json: added the reply" in approved
        (written,) = json.loads(replies_file.read_text(encoding="utf-8"))["replies"]
        assert written["id"] == reply["note_id"] and written["author"]["actor"] == peer.actor_id
        assert "script" not in written["html"] and "onerror" not in written["html"] and "onclick" not in written["html"]
        assert '<a href="https://school.example/plan" rel="nofollow noopener ugc">my plan</a>' in written["html"]

        built = server.lectern("build")
        assert built.returncode == 0, built.stderr
        page = (server.project / "output" / "fractions" / "fraction-strips" / "index.html").read_text(encoding="utf-8")
        assert "This worked with my year 7s" in page and "alert" not in page and "onerror" not in page
        assert "<strong>1</strong> like" in page and "<strong>1</strong> boost" in page
        published = server.get_json(f"/ap/objects/{RESOURCE}.json")
        assert published["replies"]["orderedItems"] == [reply["note_id"]]
        assert (published["likes"]["totalItems"], published["shares"]["totalItems"]) == (1, 1)
        assert server.get_json(published["replies"]["id"].removeprefix(server.site_url))["totalItems"] == 1
        assert reply["note_id"] in server.get_json(published["context"].removeprefix(server.site_url))["orderedItems"]

        peer.delete_note(author, reply["note_id"])
        after = review(server)
        assert "removed the reply" in after
        assert json.loads(replies_file.read_text(encoding="utf-8"))["replies"] == []
        assert server.lectern("build").returncode == 0
        page = (server.project / "output" / "fractions" / "fraction-strips" / "index.html").read_text(encoding="utf-8")
        assert "This worked with my year 7s" not in page


def test_a_classroom_collection_asks_its_curator_before_accepting_a_follower(server: LecternServer) -> None:
    collection = server.get_json("/ap/actors/python-basics.json")
    assert collection["manuallyApprovesFollowers"] is True
    with start_peer() as peer:
        follow = peer.follow(f"@python-basics@{server.host}")
        (request,) = [i for i in review(server, "--json") if i["type"] == "follow"]
        assert request["actor"] == peer.actor_id and request["object"] == "python-basics"
        assert server.get_json("/ap/actors/python-basics/followers")["totalItems"] == 0
        listed = server.lectern("followers", "list").stdout
        assert f"python-basics\t{peer.actor_id}\tasks to follow" in listed and "1 follow request waiting" in listed

        review(server, "approve", request["id"])
        accept = peer.wait_for_activity("Accept", actor=collection["id"], timeout=30)
        assert accept["verified"] is True and accept["object_id"] == follow["follow_id"]
        assert server.get_json("/ap/actors/python-basics/followers")["totalItems"] == 1

    with start_peer() as stranger:
        stranger.follow(f"@python-basics@{server.host}")
        (request,) = [i for i in review(server, "--json") if i["type"] == "follow"]
        review(server, "reject", request["id"])
        rejected = stranger.wait_for_activity("Reject", actor=collection["id"], timeout=30)
        assert rejected["verified"] is True
        assert server.get_json("/ap/actors/python-basics/followers")["totalItems"] == 1


def test_a_quote_request_is_accepted_with_a_stamp_the_quoting_server_can_fetch(server: LecternServer) -> None:
    note = server.get_json(f"/ap/objects/{RESOURCE}.json")
    assert note["interactionPolicy"]["canQuote"]["automaticApproval"] == "https://www.w3.org/ns/activitystreams#Public"
    with start_peer() as peer:
        asked = peer.quote(note["attributedTo"], note["id"])
        accept = peer.wait_for_activity("Accept", actor=note["attributedTo"], timeout=30)
        assert accept["verified"] is True and accept["object_id"] == asked["request_id"]
        stamp_id = accept["activity"]["result"]
        stamp = server.get_json(stamp_id.removeprefix(server.site_url))
        assert stamp["type"] == "QuoteAuthorization" and stamp["attributedTo"] == note["attributedTo"]
        assert (stamp["interactingObject"], stamp["interactionTarget"]) == (asked["note_id"], note["id"])
    (quote,) = [i for i in review(server, "--json", "--all") if i["type"] == "quote"]
    review(server, "reject", quote["id"])  # the curator withdraws it: the stamp is gone
    status, _headers, _body = server.get(stamp_id.removeprefix(server.site_url))
    assert status == 404
