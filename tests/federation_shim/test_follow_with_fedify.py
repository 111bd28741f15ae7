"""A real, independent ActivityPub server (Fedify 2.3.6) follows a collection served by `lectern serve`.

The peer resolves `@fractions@127.0.0.1:PORT` by WebFinger, fetches and checks the actor, sends a signed Follow, and
must receive an Accept that it verifies; then Undo. Run once with the peer signing draft-cavage first, once RFC 9421.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_project, require
from tests.lectern_server import LecternServer
from tests.peer.fedify_peer import peer_unavailable_reason, start_peer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    require(peer_unavailable_reason() is None, f"the Fedify peer cannot run: {peer_unavailable_reason()}")
    project = copy_project(tmp_path_factory.mktemp("follow") / "project")
    server = LecternServer(project)
    yield server
    server.stop()


@pytest.mark.parametrize("first_knock", ["draft-cavage-http-signatures-12", "rfc9421"])
def test_fedify_follows_a_collection_gets_a_verified_accept_and_can_undo(
    server: LecternServer, first_knock: str
) -> None:
    collection = server.get_json("/ap/actors/fractions.json")
    with start_peer(first_knock=first_knock) as peer:
        looked_up = peer.lookup(f"@fractions@{server.host}")
        assert looked_up["id"] == collection["id"]

        follow = peer.follow(f"@fractions@{server.host}")
        accept = peer.wait_for_activity("Accept", actor=collection["id"], timeout=15)
        assert accept["verified"] is True, accept
        signature = accept["http_signature"]
        assert signature["verified"] is True, signature
        assert signature["scheme"] == "draft-cavage-http-signatures-12"
        assert signature["key_id"] == f"{collection['id']}#main-key"
        assert signature["key_owner"] == collection["id"]
        assert accept["object_id"] == follow["follow_id"]

        listed = server.lectern("followers", "list")
        assert f"fractions\t{peer.actor_id}\t" in listed.stdout, listed.stdout
        followers = server.get_json("/ap/actors/fractions/followers")
        assert followers["totalItems"] == 1 and "orderedItems" not in followers

        peer.undo(follow["follow_id"])
        assert server.get_json("/ap/actors/fractions/followers")["totalItems"] == 0, server.log()
        assert peer.actor_id not in server.lectern("followers", "list").stdout


def test_a_repeated_follow_keeps_one_row_and_gets_a_second_accept(server: LecternServer) -> None:
    with start_peer() as peer:
        first = peer.follow(f"@python-basics@{server.host}")
        peer.wait_for_activity("Accept", object_id=first["follow_id"], timeout=15)
        second = peer.follow(f"@python-basics@{server.host}")
        peer.wait_for_activity("Accept", object_id=second["follow_id"], timeout=15)
        assert server.get_json("/ap/actors/python-basics/followers")["totalItems"] == 1
        peer.undo(second["follow_id"])


def test_state_lives_in_the_instance_folder(server: LecternServer) -> None:
    assert (server.project / "instance" / "shim.sqlite3").is_file()
    assert Path(server.project / "instance" / "keys" / "private-key.pem").stat().st_mode & 0o777 == 0o600
