"""Sources that are not Lectern: a Fedify server's actor posting Notes is indexed by its text, hashtags and links;
an actor that says `indexable: false` is not indexed, when it is added and on each Create after it changes its mind."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from lectern.federation_shim import sign_post
from tests.conftest import require
from tests.discovery_index.index_server import IndexServer
from tests.federation_shim.remote_actors import RemoteActor, RemoteServer, actor_key
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def wait_for_search(index: IndexServer, word: str, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = index.search(q=word)
        if answer["total"] or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_notes_from_a_fedify_actor_are_indexed_by_their_text(index: IndexServer) -> None:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    with start_peer() as peer:
        added = index.lectern_index("add", peer.handle)
        assert added.returncode == 0, added.stdout + added.stderr + index.log()
        assert f"@alice@127.0.0.1:{peer.port}: followed" in added.stdout
        peer.wait_for_activity("Follow", timeout=10)
        content = (
            '<p>Marimba <strong>rhythm</strong> games for year 5 &amp; 6, with a <a href="https://example.org/marimba.pdf">'
            'printable score</a>.</p><p><a href="https://x.example/tags/music" class="mention hashtag" rel="tag">'
            "#<span>music</span></a></p>"
        )
        request = urllib.request.Request(
            f"{peer.base_url}/_control/note",
            data=json.dumps({"content": content, "hashtags": ["music"]}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            posted = json.loads(response.read())
        assert posted["followers"] == [f"{index.url}/actor"]

        answer = wait_for_search(index, "marimba")
        assert answer["total"] == 1, index.log()
        hit = answer["results"][0]
        assert hit["id"] == posted["note_id"] and hit["source"] == "activitypub"
        assert hit["title"].startswith("Marimba rhythm games for year 5 & 6")
        assert "<" not in hit["summary"] and hit["tags"] == ["music"]
        assert hit["links"] == ["https://example.org/marimba.pdf"]
        assert hit["collection"]["name"] == "Alice (Fedify test peer)" and hit["instance"] == f"127.0.0.1:{peer.port}"
        assert "<mark>Marimba</mark>" in hit["snippet_html"]
        assert index.search(q="music")["total"] == 1  # the hashtag is searchable too
        listing = index.lectern_index("list")
        assert f"@alice@127.0.0.1:{peer.port}: accepted" in listing.stdout, listing.stdout


@dataclass
class FlaggedActor(RemoteActor):
    indexable: bool | None = None

    def document(self) -> dict[str, Any]:
        document = super().document()
        if self.indexable is not None:
            document["indexable"] = self.indexable
        return document

    def create(self, number: int, word: str) -> dict[str, Any]:
        note = f"{self.id}/notes/{number}"
        return {
            "id": f"{note}#create",
            "type": "Create",
            "actor": self.id,
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": self.id,
                "content": f"<p>{word}</p>",
                "to": [PUBLIC],
            },
        }


def deliver(index: IndexServer, actor: FlaggedActor, activity: dict[str, Any]) -> int:
    body = json.dumps(activity).encode()
    headers = sign_post(f"{index.url}/inbox", body, key_id=actor.key_id, private_key=actor.key)
    headers.pop("Host")
    return index.request("POST", "/inbox", body, headers)[0]


def test_an_actor_that_is_not_indexable_is_not_followed_nor_indexed(index: IndexServer, remote: RemoteServer) -> None:
    hidden = remote.actors["hidden"] = FlaggedActor(remote.base, "hidden", actor_key(4), indexable=False)
    added = index.lectern_index("add", hidden.id)
    assert added.returncode == 0 and "@hidden@" in added.stdout and ": not_indexable" in added.stdout, added.stdout
    assert ("POST", "/users/hidden/inbox") not in remote.requests  # no Follow
    assert deliver(index, hidden, hidden.create(1, "quokka")) == 202
    assert found_as_typed(index, "quokka") == 0


def found_as_typed(index: IndexServer, word: str) -> int:
    """How many resources hold `word` itself: the search's total when it matched the word as typed, not a "did you
    mean" correction of it (a word nobody indexed is corrected to a close one that others did)."""
    answer = index.search(q=word)
    return int(answer["total"]) if answer["matched"] == "all" and not answer["suggestion"] else 0


def test_an_actor_that_stops_being_indexable_is_dropped_on_its_next_create(
    index: IndexServer, remote: RemoteServer
) -> None:
    actor = remote.actors["changing"] = FlaggedActor(remote.base, "changing", actor_key(5), indexable=True)
    added = index.lectern_index("add", actor.id)
    assert added.returncode == 0 and ": followed" in added.stdout, added.stdout + added.stderr
    assert ("POST", "/users/changing/inbox") in remote.requests  # the Follow
    assert deliver(index, actor, actor.create(1, "wombat")) == 202
    assert found_as_typed(index, "wombat") == 1

    actor.indexable = False
    assert deliver(index, actor, actor.create(2, "numbat")) == 202
    assert found_as_typed(index, "numbat") == 0
    assert found_as_typed(index, "wombat") == 0  # what it posted before is forgotten too
