"""Hostile input to the inbox of a real `lectern serve`: each case gets the status it should, and nothing is stored.

Remote actors live on a second loopback server (tests/federation_shim/remote_actors.py); requests are signed with
their keys, then tampered with. After each case the shim's SQLite state is read to prove nothing was kept.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lectern.federation_shim.cavage import sign_headers, sign_post
from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.federation_shim.shim_client import follow_of as follow
from tests.federation_shim.shim_client import stored
from tests.lectern_server import LecternServer


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    settings = project / "pelicanconf.py"
    settings.write_text(settings.read_text().replace('"BLOCKED_DOMAINS": []', '"BLOCKED_DOMAINS": ["127.0.0.2"]'))
    server = LecternServer(project)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    server.add("mallory", 2)
    server.add("htmlface", 3, content_type="text/html; charset=utf-8")
    yield server
    server.stop()


def post(shim: LecternServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        shim.site_url + path,
        data=body,
        method="POST",
        headers={k: v for k, v in headers.items() if k.lower() != "host"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def encode(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity).encode()


def inbox(shim: LecternServer, collection: str = "fractions") -> str:
    return f"/ap/actors/{collection}/inbox"


def snapshot(shim: LecternServer) -> tuple[list[Any], list[Any]]:
    """Every follower and every processed activity the shim has stored."""
    db = sqlite3.connect(f"file:{shim.project / 'instance' / 'shim.sqlite3'}?mode=ro", uri=True)
    try:
        return (
            db.execute("SELECT * FROM followers ORDER BY actor, follower").fetchall(),
            db.execute("SELECT id FROM processed_activities ORDER BY id").fetchall(),
        )
    finally:
        db.close()


def refused(
    shim: LecternServer, status: int, reason: str, body: bytes, headers: dict[str, str], path: str | None = None
) -> None:
    """POST and expect `status`/`reason`, with nothing stored: followers and processed activities unchanged."""
    before = snapshot(shim)
    got, answer = post(shim, path or inbox(shim), body, headers)
    assert (got, answer.get("reason")) == (status, reason), answer
    assert snapshot(shim) == before


def test_a_signed_follow_is_accepted_stored_and_answered(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim)
    body = encode(activity)
    status, answer = post(shim, inbox(shim), body, alice.sign(shim.site_url + inbox(shim), body))
    assert (status, answer["reason"]) == (202, "followed")
    assert stored(shim, activity["id"], alice.id) == (1, 1)
    deadline = time.monotonic() + 10
    while not any(r.get("type") == "Accept" and r["object"]["id"] == activity["id"] for r in remote.received):
        assert time.monotonic() < deadline, "no Accept arrived"
        time.sleep(0.05)


def test_an_rfc9421_signed_follow_is_accepted(shim: LecternServer, remote: RemoteServer) -> None:
    mallory = remote.actors["mallory"]
    activity = follow(mallory, shim, "intro-physics")
    body = encode(activity)
    url = shim.site_url + inbox(shim, "intro-physics")
    status, answer = post(shim, inbox(shim, "intro-physics"), body, mallory.sign(url, body, scheme="rfc9421"))
    assert (status, answer["reason"]) == (202, "followed")
    assert stored(shim, activity["id"], mallory.id)[1] == 1


def test_no_signature_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    body = encode(follow(remote.actors["alice"], shim))
    refused(shim, 401, "no_signature", body, {"Content-Type": "application/activity+json"})


def test_an_unparsable_signature_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    headers = alice.sign(shim.site_url + inbox(shim), body) | {"Signature": "this is not a signature"}
    refused(shim, 401, "unparsable_signature", body, headers)


def test_an_unsupported_algorithm_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    headers = alice.sign(shim.site_url + inbox(shim), body)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="dsa-sha1"')
    refused(shim, 401, "unsupported_algorithm", body, headers)


def test_a_post_whose_digest_is_not_signed_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    headers = alice.sign(shim.site_url + inbox(shim), body)
    headers["Signature"] = sign_headers(
        "POST",
        shim.site_url + inbox(shim),
        headers,
        ["(request-target)", "host", "date"],
        key_id=alice.key_id,
        private_key=alice.key,
    )
    refused(shim, 401, "digest_not_signed", body, headers)


def test_a_body_changed_by_one_byte_is_a_digest_mismatch(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim)
    body = encode(activity)
    headers = alice.sign(shim.site_url + inbox(shim), body)
    tampered = body.replace(b'"Follow"', b'"Folloe"')
    refused(shim, 401, "digest_mismatch", tampered, headers)
    assert stored(shim, activity["id"], alice.id)[1] == 0


def test_a_date_two_hours_old_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    old = datetime.now(UTC) - timedelta(hours=2)
    headers = sign_post(shim.site_url + inbox(shim), body, key_id=alice.key_id, private_key=alice.key, now=old)
    refused(shim, 401, "expired", body, headers)


@pytest.mark.parametrize("altered", ["path", "method", "host"])
def test_a_signature_for_another_path_method_or_host_is_401(
    shim: LecternServer, remote: RemoteServer, altered: str
) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim, "python-basics"))
    url = shim.site_url + inbox(shim, "python-basics")
    if altered == "path":
        headers = alice.sign(shim.site_url + inbox(shim, "fractions"), body)
    elif altered == "host":
        headers = alice.sign(url.replace("127.0.0.1", "localhost"), body)
    else:
        headers = alice.sign(url, body)
        headers["Signature"] = sign_headers(
            "PUT",
            url,
            headers,
            ["(request-target)", "host", "date", "digest"],
            key_id=alice.key_id,
            private_key=alice.key,
        )
    refused(shim, 401, "invalid_signature", body, headers, path=inbox(shim, "python-basics"))


def test_a_host_rewritten_by_a_proxy_still_verifies_as_the_site_it_was_meant_for(
    shim: LecternServer, remote: RemoteServer
) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim, "python-basics")
    body = encode(activity)
    headers = alice.sign(shim.site_url + inbox(shim, "python-basics"), body)
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=15)
    connection.putrequest("POST", inbox(shim, "python-basics"), skip_host=True)
    connection.putheader("Host", "origin.internal:8080")  # what a CDN may pass on to the shim
    for name, value in headers.items():
        if name.lower() != "host":
            connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())["reason"]) == (202, "followed")
    connection.close()


def test_a_signer_who_is_not_the_actor_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    alice, mallory = remote.actors["alice"], remote.actors["mallory"]
    body = encode(follow(alice, shim, "python-basics"))
    url = shim.site_url + inbox(shim, "python-basics")
    refused(shim, 401, "signer_is_not_actor", body, mallory.sign(url, body), path=inbox(shim, "python-basics"))


def test_a_key_id_on_another_host_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    other = RemoteServer(host="127.0.0.3").start()
    try:
        eve = other.add("eve", 2)
        alice = remote.actors["alice"]
        body = encode(follow(alice, shim, "python-basics"))
        url = shim.site_url + inbox(shim, "python-basics")
        refused(shim, 401, "signer_is_not_actor", body, eve.sign(url, body), path=inbox(shim, "python-basics"))
    finally:
        other.stop()


def test_a_key_document_whose_id_is_not_its_url_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    liar = remote.add("liar", 3, key_document_id=f"{remote.base}/users/somebody-else")
    body = encode(follow(liar, shim))
    refused(shim, 401, "key_fetch_failed", body, liar.sign(shim.site_url + inbox(shim), body))


def test_an_actor_served_as_html_is_401(shim: LecternServer, remote: RemoteServer) -> None:
    actor = remote.actors["htmlface"]
    body = encode(follow(actor, shim))
    refused(shim, 401, "key_fetch_failed", body, actor.sign(shim.site_url + inbox(shim), body))


def test_a_2_mb_body_is_413_before_parsing(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim) | {"padding": "x" * 2_000_000}
    body = encode(activity)
    before = snapshot(shim)
    connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=15)
    connection.putrequest("POST", inbox(shim))
    for name, value in alice.sign(shim.site_url + inbox(shim), body).items():
        if name.lower() != "host":
            connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    try:
        connection.send(body)  # the shim answers from the Content-Length alone and may close before the body is in
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())["reason"]) == (413, "too_large")
    connection.close()
    assert snapshot(shim) == before


def test_a_body_that_is_not_json_is_400(shim: LecternServer, remote: RemoteServer) -> None:
    body = b'{"type": "Follow", '
    refused(shim, 400, "invalid_json", body, remote.actors["alice"].sign(shim.site_url + inbox(shim), body))


def test_a_replayed_activity_is_processed_once(shim: LecternServer, remote: RemoteServer) -> None:
    mallory = remote.actors["mallory"]
    activity = follow(mallory, shim, "python-basics")
    body = encode(activity)
    url = shim.site_url + inbox(shim, "python-basics")
    first = post(shim, inbox(shim, "python-basics"), body, mallory.sign(url, body))
    second = post(shim, inbox(shim, "python-basics"), body, mallory.sign(url, body))
    assert (first[0], first[1]["reason"]) == (202, "followed")
    assert (second[0], second[1]["reason"]) == (202, "duplicate")
    assert stored(shim, activity["id"], mallory.id)[1] == 1
    time.sleep(0.5)
    accepts = [r for r in remote.received if r.get("type") == "Accept" and r["object"]["id"] == activity["id"]]
    assert len(accepts) == 1


def test_an_undo_of_someone_elses_follow_is_403_and_the_follow_stays(shim: LecternServer, remote: RemoteServer) -> None:
    alice, mallory = remote.actors["alice"], remote.actors["mallory"]
    original = follow(alice, shim, "intro-physics")
    body = encode(original)
    url = shim.site_url + inbox(shim, "intro-physics")
    assert post(shim, inbox(shim, "intro-physics"), body, alice.sign(url, body))[0] == 202
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{mallory.id}/undo/{uuid.uuid4()}",
        "type": "Undo",
        "actor": mallory.id,
        "object": original["id"],
    }
    undo_body = encode(undo)
    refused(shim, 403, "not_your_follow", undo_body, mallory.sign(url, undo_body), path=inbox(shim, "intro-physics"))
    assert stored(shim, original["id"], alice.id)[0] >= 1
    own_undo = undo | {"id": f"{alice.id}/undo/{uuid.uuid4()}", "actor": alice.id}
    own_body = encode(own_undo)
    status, answer = post(shim, inbox(shim, "intro-physics"), own_body, alice.sign(url, own_body))
    assert (status, answer["reason"]) == (202, "unfollowed")


def test_a_follow_of_an_actor_that_is_not_ours_is_404(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    activity = follow(alice, shim) | {"object": "https://elsewhere.example/users/bob"}
    body = encode(activity)
    refused(shim, 404, "unknown_actor", body, alice.sign(shim.site_url + "/ap/inbox", body), path="/ap/inbox")


def test_a_delete_from_an_unknown_actor_is_202_without_any_fetch(shim: LecternServer, remote: RemoteServer) -> None:
    ghost = remote.add("ghost", 3)
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ghost.id}#delete",
        "type": "Delete",
        "actor": ghost.id,
        "object": ghost.id,
    }
    body = encode(activity)
    before = list(remote.requests)
    refused(shim, 202, "unknown_actor", body, ghost.sign(shim.site_url + "/ap/inbox", body), path="/ap/inbox")
    assert remote.requests == before


def test_a_self_delete_from_a_follower_removes_their_follows(shim: LecternServer, remote: RemoteServer) -> None:
    leaver = remote.add("leaver", 1)
    activity = follow(leaver, shim)
    body = encode(activity)
    assert post(shim, inbox(shim), body, leaver.sign(shim.site_url + inbox(shim), body))[0] == 202
    delete = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{leaver.id}#delete",
        "type": "Delete",
        "actor": leaver.id,
        "object": leaver.id,
    }
    delete_body = encode(delete)
    status, answer = post(shim, "/ap/inbox", delete_body, leaver.sign(shim.site_url + "/ap/inbox", delete_body))
    assert (status, answer["reason"]) == (202, "deleted")
    assert stored(shim, activity["id"], leaver.id)[0] == 0


def test_requests_from_a_blocked_domain_are_403_before_any_fetch(shim: LecternServer) -> None:
    blocked = RemoteServer(host="127.0.0.2").start()
    try:
        spammer = blocked.add("spammer", 1)
        body = encode(follow(spammer, shim))
        refused(shim, 403, "blocked_domain", body, spammer.sign(shim.site_url + inbox(shim), body))
        assert blocked.requests == []
    finally:
        blocked.stop()


def test_an_unsupported_activity_type_is_202_and_ignored(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.id}/likes/{uuid.uuid4()}",
        "type": "Like",
        "actor": alice.id,
        "object": f"{shim.site_url}/ap/objects/fractions/x.json",
    }
    body = encode(like)
    status, answer = post(shim, "/ap/inbox", body, alice.sign(shim.site_url + "/ap/inbox", body))
    assert (status, answer["reason"]) == (202, "ignored")


def test_an_inbox_of_an_unknown_actor_is_404(shim: LecternServer, remote: RemoteServer) -> None:
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    refused(
        shim,
        404,
        "unknown_actor",
        body,
        alice.sign(shim.site_url + inbox(shim, "nobody"), body),
        path=inbox(shim, "nobody"),
    )


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        ("acct:fractions@elsewhere.example", 404),
        ("acct:nobody@{host}", 404),
        ("acct:not-an-account", 400),
        (None, 400),
        ("acct:fractions@{host}", 200),
        ("{site}/ap/actors/fractions.json", 200),
    ],
)
def test_webfinger_answers_only_for_our_accounts(shim: LecternServer, resource: str | None, status: int) -> None:
    query = (
        ""
        if resource is None
        else "?resource=" + urllib.request.quote(resource.format(host=shim.host, site=shim.site_url))
    )
    got, headers, body = shim.get("/.well-known/webfinger" + query)
    assert got == status, body
    if status == 200:
        assert headers["content-type"] == "application/jrd+json"
        jrd = json.loads(body)
        assert jrd["subject"] == f"acct:fractions@{shim.host}"
        assert {
            "rel": "self",
            "type": "application/activity+json",
            "href": f"{shim.site_url}/ap/actors/fractions.json",
        } in jrd["links"]


def test_the_site_is_served_with_its_pages_and_without_hidden_files(shim: LecternServer) -> None:
    for path in ("/", "/fractions/", "/fractions/fraction-strips/"):
        status, headers, page = shim.get(path)
        assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8"), path
        assert b"<html" in page
    (shim.project / "output" / ".secret").write_text("editor leftovers")
    assert shim.get("/.secret")[0] == 404
    status, _headers, page = shim.get("/no-such-page/")
    assert status == 404 and b"<html" in page


def test_static_activitypub_documents_are_served_as_activity_json(shim: LecternServer) -> None:
    status, headers, _ = shim.get("/ap/actors/fractions.json")
    assert (status, headers["content-type"]) == (200, "application/activity+json")
    status, headers, _ = shim.get("/.well-known/host-meta")
    assert headers["content-type"].startswith("application/xrd+xml")


@pytest.mark.parametrize("key_id", ["http://[::1/x", "http://127.0.0.1:99999/x", "http://a..b/x"])
def test_a_keyid_that_cannot_be_split_is_401_even_where_domains_are_blocked(
    shim: LecternServer, remote: RemoteServer, key_id: str
) -> None:
    """The blocked-domain check reads the keyId's host before the signature is parsed; it must not raise on it."""
    alice = remote.actors["alice"]
    body = encode(follow(alice, shim))
    headers = alice.sign(shim.site_url + inbox(shim), body, key_id=key_id)
    refused(shim, 401, "invalid_key_id", body, headers)
