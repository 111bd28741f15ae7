"""The example app of docs/federation-toolkit.md (`docs/examples/toolkit_app.py`), run for real: a Fedify server finds
`@guestbook` by WebFinger, follows it with a signed Follow, and verifies the Accept the app sends through its queue."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT, require
from tests.federation_shim.remote_actors import RemoteActor, RemoteServer
from tests.lectern_server import free_port
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer
from tests.server_process import NO_PROXY, ServerProcess

EXAMPLE = PROJECT / "docs" / "examples" / "toolkit_app.py"


class Guestbook:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        command = [sys.executable, str(EXAMPLE), "--port", str(self.port), "--state", str(folder / "state")]
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        self.server = ServerProcess(
            "the example app", [*command, "--allow-private-addresses"], folder, env, folder / "log"
        )
        self.server.wait_until_answers(f"{self.url}/entries", timeout=30)

    def post_signed(
        self, signer: RemoteActor, activity: dict[str, Any], key_id: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """POST `activity` to the guestbook's inbox, signed with `signer`'s key (under `key_id`, if given)."""
        url = f"{self.url}/actors/guestbook/inbox"
        body = json.dumps(activity).encode()
        signed = signer.sign(url, body, key_id=key_id)
        headers = {k: v for k, v in signed.items() if k.lower() != "host"}
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with NO_PROXY.open(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get_json(self, path: str) -> Any:
        with NO_PROXY.open(f"{self.url}{path}", timeout=10) as answer:
            return json.loads(answer.read())


@pytest.fixture(scope="module")
def guestbook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guestbook]:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    app = Guestbook(tmp_path_factory.mktemp("guestbook"))
    yield app
    app.server.stop()


def test_webfinger_and_the_actor_document(guestbook: Guestbook) -> None:
    jrd = guestbook.get_json(f"/.well-known/webfinger?resource=acct:guestbook@{guestbook.host}")
    actor_id = f"{guestbook.url}/actors/guestbook"
    assert jrd["subject"] == f"acct:guestbook@{guestbook.host}"
    assert jrd["links"] == [{"rel": "self", "type": "application/activity+json", "href": actor_id}]
    actor = guestbook.get_json("/actors/guestbook")
    assert actor["id"] == actor_id and actor["publicKey"]["owner"] == actor_id
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]


def test_fedify_follows_the_guestbook_and_verifies_its_accept(guestbook: Guestbook) -> None:
    actor_id = f"{guestbook.url}/actors/guestbook"
    with start_peer() as peer:
        follow = peer.follow(f"@guestbook@{guestbook.host}")
        accept = peer.wait_for_activity("Accept", actor=actor_id, timeout=20)
        assert accept["object_id"] == follow["follow_id"], guestbook.server.log()
        assert accept["http_signature"]["verified"] is True, accept["http_signature"]
        assert accept["http_signature"]["key_id"] == f"{actor_id}#main-key"
        followers = guestbook.get_json("/actors/guestbook/followers")
        assert followers["totalItems"] == 1 and followers["orderedItems"] == [peer.actor_id]

        peer.undo(follow["follow_id"])
        assert guestbook.get_json("/actors/guestbook/followers")["totalItems"] == 0, guestbook.server.log()


def test_a_signed_note_signs_the_guestbook_and_a_forged_one_does_not(guestbook: Guestbook) -> None:
    server = RemoteServer().start()
    try:
        carol = server.add("carol", 1)
        note = {"id": f"{carol.id}/notes/1", "type": "Note", "attributedTo": carol.id, "content": "Hello!"}
        create = {"id": f"{carol.id}/notes/1/activity", "type": "Create", "actor": carol.id, "object": note}
        assert guestbook.post_signed(carol, create) == (
            202,
            {"status": "accepted", "reason": "signed", "detail": f"{carol.id} signed the guestbook"},
        )
        assert guestbook.get_json("/entries") == [{"by": carol.id, "id": note["id"], "content": "Hello!"}]

        mallory = server.add("mallory", 2)
        forged = create | {"id": f"{carol.id}/notes/2/activity"}
        status, answer = guestbook.post_signed(mallory, forged, key_id=carol.key_id)  # mallory's key, carol's name
        assert (status, answer["reason"]) == (401, "invalid_signature"), answer
        assert len(guestbook.get_json("/entries")) == 1
    finally:
        server.stop()
