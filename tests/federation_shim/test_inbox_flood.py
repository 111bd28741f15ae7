"""A flood of requests signed with unknown keys against a real `lectern serve` (issue 12, amplification): the shim
must not fetch a key per request. 2,000 requests name 2,000 different keyIds on three loopback "remote" servers;
the fetches those servers see are bounded by the key cache's per-host burst, far below 2,000, every answer is a
401 or a 503 with Retry-After and a JSON reason, and the shim's memory does not grow with the flood.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from lectern.federation_shim.fetch_budget import FetchBudget
from tests.conftest import copy_project
from tests.federation_shim.remote_actors import RemoteServer
from tests.lectern_server import LecternServer

INBOX = "/ap/actors/fractions/inbox"
REQUESTS = 2000
HOSTS = 3


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LecternServer]:
    server = LecternServer(copy_project(tmp_path_factory.mktemp("flood") / "project"), verbose=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remotes() -> Iterator[list[RemoteServer]]:
    servers = [RemoteServer().start() for _ in range(HOSTS)]
    servers[0].add("alice", 1)
    yield servers
    for server in servers:
        server.stop()


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def fetches(servers: list[RemoteServer]) -> int:
    return sum(1 for server in servers for method, _ in server.requests if method == "GET")


Request = tuple[bytes, dict[str, str], str]  # body, signed headers, the keyId to put in the Signature header


def flood(shim: LecternServer, requests: list[Request]) -> list[tuple[int, str, bool]]:
    """POST each body with its keyId (the signature does not cover the keyId, so one signature per body serves all),
    from 8 threads on keep-alive connections; (status, reason, has Retry-After) for each."""
    results: list[tuple[int, str, bool]] = []
    lock = threading.Lock()
    chunks = [requests[n::8] for n in range(8)]

    def worker(chunk: list[Request]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", shim.port, timeout=60)
        try:
            for body, headers, key_id in chunk:
                sent = dict(headers)
                sent["Signature"] = re.sub(r'keyId="[^"]*"', f'keyId="{key_id}"', headers["Signature"])
                connection.request("POST", INBOX, body=body, headers=sent)
                response = connection.getresponse()
                answer = json.loads(response.read())
                with lock:
                    results.append((response.status, answer["reason"], response.getheader("Retry-After") is not None))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_like(shim: LecternServer, remotes: list[RemoteServer], host: int) -> tuple[bytes, dict[str, str]]:
    """A Like by an unknown actor on remote `host` (a keyId must be on its actor's host to be looked up at all),
    signed by alice: the signature is never checked, as no key is ever found."""
    actor = f"{remotes[host].base}/users/ghost"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/likes/{uuid.uuid4()}",
        "type": "Like",
        "actor": actor,
        "object": f"{shim.site_url}/ap/actors/fractions.json",
    }
    body = json.dumps(activity).encode()
    alice = remotes[0].actors["alice"]
    headers = {k: v for k, v in alice.sign(shim.site_url + INBOX, body).items() if k != "Host"}
    return body, headers


def test_the_same_unknown_key_thirty_times_is_fetched_once(shim: LecternServer, remotes: list[RemoteServer]) -> None:
    body, headers = signed_like(shim, remotes, 1)
    before = fetches(remotes)
    ghost = f"{remotes[1].base}/users/ghost-{uuid.uuid4()}#main-key"
    results = flood(shim, [(body, headers, ghost)] * 30)
    assert {status for status, _, _ in results} == {401}
    assert fetches(remotes) - before == 1


def test_a_flood_of_unknown_keys_costs_a_bounded_number_of_fetches(
    shim: LecternServer, remotes: list[RemoteServer]
) -> None:
    signed = [signed_like(shim, remotes, host) for host in range(HOSTS)]
    body, headers = signed[2]
    flood(shim, [(body, headers, f"{remotes[2].base}/users/warmup-{n}#main-key") for n in range(20)])  # warm up
    rss_before = resident_kib(shim.process.pid)
    before = fetches(remotes)

    requests = [
        (*signed[n % HOSTS], f"{remotes[n % HOSTS].base}/users/ghost-{uuid.uuid4()}#main-key") for n in range(REQUESTS)
    ]
    started = time.monotonic()
    results = flood(shim, requests)
    lasted = time.monotonic() - started

    fetched = fetches(remotes) - before
    budget = FetchBudget()
    # per host: its burst, plus what its rate refilled while the flood lasted (and the warm-up before it)
    bound = HOSTS * (budget.host_burst + budget.host_rate * (lasted + 60))
    assert fetched <= bound, (fetched, bound, lasted)
    assert fetched < REQUESTS // 10, fetched
    statuses = Counter((status, reason) for status, reason, _ in results)
    assert set(statuses) <= {(401, "key_fetch_failed"), (503, "key_fetch_limited")}, statuses
    assert statuses[(503, "key_fetch_limited")] >= REQUESTS - bound
    assert all(retry for status, _, retry in results if status == 503)
    assert resident_kib(shim.process.pid) - rss_before < 40 * 1024  # KiB: the caches are bounded LRUs
