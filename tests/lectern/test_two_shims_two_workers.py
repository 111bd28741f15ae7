"""Several processes on one PostgreSQL database, end to end (issue 15, item 4): two `lectern serve` processes (two
ports, one project; the second serves the first one's build with --no-build) and `lectern deliver` processes.

A remote actor follows through one server and the other lists the follower; its reply through the second server
waits in the review queue on PostgreSQL. Then a new resource, built once, is sent
to 1,000 loopback inboxes by two `lectern deliver` processes at once; one is killed with SIGKILL while requests of
both are in flight, and a restarted `lectern deliver` takes its leases back. Every inbox gets what the new resource
means for it (two Announces), correctly signed; only the requests that were in flight in the killed process are
received twice. No timing is asserted: the test waits for events.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lectern.federation_shim import Follower, postgres_storage
from lectern.keys import load_or_create_private_key
from lectern.site_paths import SitePaths
from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteActor, RemoteServer
from tests.federation_shim.shim_client import follow_of, post_signed, wait_for
from tests.lectern.counting_inboxes import CountingInboxes, client_ports
from tests.lectern.test_community_hostile import reply
from tests.lectern_server import LecternServer

FOLLOWERS = 1000
COLLECTION = "fractions"
PATIENCE = 120.0  # only stops a broken test from hanging; nothing here is a speed goal


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer().start()
    server.add("alice", 1)
    yield server
    server.stop()


def lectern(project: Path, site_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LECTERN_SITE_URL": site_url, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "lectern.cli", *args],
        cwd=project, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> str:
    output, errors = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, errors
    return output


def behind_the_balancer(server: LecternServer, site: str, actor: RemoteActor, activity: dict[str, Any]) -> int:
    """POST `activity`, signed by `actor`, to `server`'s inbox as a load balancer passes it on: with the Host of the
    site's public address (the first server's), not the port it was forwarded to."""
    path = f"/ap/actors/{COLLECTION}/inbox"
    body = json.dumps(activity).encode()
    headers = actor.sign(site + path, body)  # with Host: the site's
    request = urllib.request.Request(server.site_url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def add_resource(project: Path) -> None:
    source = project / "content" / COLLECTION / "fraction-strips.md"
    text = source.read_text(encoding="utf-8")
    new = text.replace("title: Fraction strip wall (printable diagram)", "title: Fraction strips, second wall", 1)
    assert new != text
    (project / "content" / COLLECTION / "fraction-strips-two.md").write_text(new, encoding="utf-8")


def test_two_shims_and_two_delivery_workers_share_one_database(
    tmp_path: Path, postgres_url: str, remote: RemoteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("LECTERN_DATABASE_URL", postgres_url)  # for every process below
    first = LecternServer(project, serve_args=("--no-deliver",))
    second = LecternServer(project, serve_args=("--no-deliver", "--no-build"))  # the first one's build, as it is
    site = first.site_url
    key = load_or_create_private_key(project / "instance").public_key()
    inboxes = CountingInboxes(FOLLOWERS, key, SitePaths(site).key_id(COLLECTION)).start()
    try:
        # a real signed Follow through the first server; the second one lists the follower
        alice = remote.actors["alice"]
        status, _headers, answer = post_signed(first, alice, follow_of(alice, first))
        assert (status, answer.get("reason")) == (202, "followed"), first.log()
        assert second.get_json(f"/ap/actors/{COLLECTION}/followers")["totalItems"] == 1
        listed = second.lectern("followers", "list")
        assert listed.returncode == 0 and alice.id in listed.stdout, listed.stderr
        # a reply through the second server waits in the review queue on PostgreSQL, which `lectern review` lists
        note = second.get_json("/ap/objects/fractions/fraction-strips.json")["id"]
        assert behind_the_balancer(second, site, alice, reply(alice, note)) == 202, second.log()
        listed = second.lectern("review", "list", "--json")
        assert listed.returncode == 0 and alice.id in listed.stdout, listed.stderr
        with psycopg.connect(postgres_url) as db:
            assert db.execute("SELECT actor FROM review_items").fetchall() == [(alice.id,)]
        assert not (project / "instance" / "review.sqlite3").exists()
        assert "First run" in finished(lectern(project, site, "deliver"))  # records what exists; sends the Accept
        assert any(sent.get("type") == "Accept" for sent in remote.received)

        storage = postgres_storage(postgres_url)
        try:
            for n in range(FOLLOWERS):
                follower = f"https://peer{n}.example/users/u{n}"
                row = Follower(COLLECTION, follower, inboxes.inbox(n), None, f"{follower}#follow", "2026-11-30T00:00Z")
                assert storage.followers.add_follower(row, row.follow_id)
        finally:
            storage.close()
        assert second.get_json(f"/ap/actors/{COLLECTION}/followers")["totalItems"] == FOLLOWERS + 1

        add_resource(project)
        finished(lectern(project, site, "build"))  # built once, delivered by both workers below
        deliver = ("deliver", "--timeout", str(PATIENCE))  # a held request must not time out into a retry
        killed, survivor = lectern(project, site, *deliver), lectern(project, site, *deliver)
        wait_for(lambda: inboxes.accepted() >= FOLLOWERS // 5, "the first deliveries", PATIENCE)
        inboxes.hold()  # from now on requests wait unanswered: in flight

        def in_flight(process: subprocess.Popen[str]) -> set[tuple[int, str]]:
            ports = client_ports(process.pid)
            return {delivery for delivery, port in inboxes.held_now() if port in ports}

        wait_for(lambda: bool(in_flight(killed)) and bool(in_flight(survivor)), "requests of both workers", PATIENCE)
        lost = in_flight(killed)
        os.kill(killed.pid, signal.SIGKILL)
        killed.communicate(timeout=PATIENCE)
        assert killed.returncode == -signal.SIGKILL
        inboxes.release()
        assert "Queued" in finished(survivor)
        with psycopg.connect(postgres_url) as db:  # the killed worker's jobs are still leased to it
            (left,) = db.execute("SELECT count(*) FROM delivery_jobs WHERE state = 'pending'").fetchone() or (0,)
        assert left >= len(lost)
        restarted = finished(lectern(project, site, *deliver))  # takes back the killed worker's leases
        assert f"Sent {left}: {left} delivered" in restarted, restarted
        with psycopg.connect(postgres_url) as db:
            assert db.execute("SELECT count(*) FROM delivery_jobs WHERE state = 'pending'").fetchone() == (0,)
    finally:
        inboxes.stop()
        first.stop()
        second.stop()

    assert inboxes.refused == []  # every request was signed with the collection's key, with a matching digest
    activities = {activity for _inbox, activity in inboxes.received}
    assert len(activities) == 2 and all("/fraction-strips-two" in activity for activity in activities), activities
    # every inbox got each of them (the collection's Announce and the group's Announce of the new resource) ...
    assert set(inboxes.received) == {(inbox, activity) for inbox in range(FOLLOWERS) for activity in activities}
    # ... once, except the requests that were in flight in the killed worker (receivers deduplicate by id)
    twice = {delivery for delivery, count in inboxes.received.items() if count > 1}
    assert twice <= lost and max(inboxes.received.values()) <= 2
