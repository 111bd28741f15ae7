"""Unknown keyIds must not turn the inbox into an amplifier (issue 12): failed fetches are remembered, new fetches
spend tokens per host and in all, the caches stay bounded, and a key must live on its owner's host.

KeyCache runs against a real aiohttp server on 127.0.0.1 (tests/federation_shim/local_http.py); the clock is
injected, so nothing here waits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.fetch_budget import FetchBudget, TokenBucket
from lectern.federation_shim.key_cache import KeyCache
from lectern.federation_shim.keys import TOO_MANY_FETCHES, KeyLookupFailure, PublicKeyInfo
from lectern.federation_shim.remote_fetch import RemoteFetcher
from tests.federation_shim.local_http import LocalServer


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    """Answers GET /users/{name}: 404 for unknown names, 503 for `down`, an actor for the others."""

    actors: dict[str, Callable[[str], dict[str, Any]]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(f"{request.host}{request.path}")
        name = request.match_info["name"]
        if name == "down":
            return web.Response(status=503)
        if name not in self.actors:
            return web.Response(status=404)
        return web.json_response(self.actors[name](request.host), content_type="application/activity+json")


def run(
    local_server: LocalServer, site: Site, scenario: Callable[[str, KeyCache], Awaitable[Any]], **options: Any
) -> Any:
    async def main() -> Any:
        async with (
            local_server({"/users/{name}": site.handle}) as base,
            RemoteFetcher(allow_private_addresses=True) as fetcher,
        ):
            return await scenario(base, KeyCache(fetcher, **options))

    return asyncio.run(main())


def pem(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_the_same_unknown_key_thirty_times_costs_one_fetch(local_server: LocalServer) -> None:
    site = Site()

    async def scenario(base: str, cache: KeyCache) -> list[Any]:
        return [await cache(f"{base}/users/ghost#main-key", False) for _ in range(30)]

    found = run(local_server, site, scenario)
    assert all(isinstance(f, KeyLookupFailure) and f.reason == "http_status" for f in found)
    assert len(site.hits) == 1


def test_a_temporary_failure_is_remembered_briefly_and_says_when_to_retry(local_server: LocalServer) -> None:
    site, clock = Site(), Clock()

    async def scenario(base: str, cache: KeyCache) -> list[Any]:
        first = await cache(f"{base}/users/down#main-key", False)
        clock.now += 20
        second = await cache(f"{base}/users/down#main-key", False)
        clock.now += 41
        third = await cache(f"{base}/users/down#main-key", False)
        return [first, second, third]

    first, second, third = run(local_server, site, scenario, clock=clock, temporary_failure_ttl=60)
    assert isinstance(first, KeyLookupFailure) and first.temporary and first.retry_after == 60
    assert isinstance(second, KeyLookupFailure) and second.temporary and second.retry_after == 40
    assert isinstance(third, KeyLookupFailure)
    assert len(site.hits) == 2  # the first, and the third after the ttl


def test_new_keys_of_one_host_beyond_its_burst_are_refused_without_a_fetch(local_server: LocalServer) -> None:
    site, clock = Site(), Clock()
    budget = FetchBudget(host_burst=5, host_rate=0.5, clock=clock)

    async def scenario(base: str, cache: KeyCache) -> list[Any]:
        return [await cache(f"{base}/users/ghost{n}#main-key", False) for n in range(40)]

    found = run(local_server, site, scenario, clock=clock, budget=budget)
    assert len(site.hits) == 5
    limited = [f for f in found if isinstance(f, KeyLookupFailure) and f.reason == TOO_MANY_FETCHES]
    assert len(limited) == 35
    assert all(f.temporary and f.retry_after == 2 for f in limited)


def test_the_global_budget_bounds_fetches_across_hosts(local_server: LocalServer) -> None:
    site, clock = Site(), Clock()
    budget = FetchBudget(host_burst=100, global_burst=3, global_rate=0.1, clock=clock)

    async def scenario(base: str, cache: KeyCache) -> list[Any]:
        hosts = [base, base.replace("127.0.0.1", "localhost")]
        return [await cache(f"{hosts[n % 2]}/users/ghost{n}#main-key", False) for n in range(10)]

    found = run(local_server, site, scenario, clock=clock, budget=budget)
    assert len(site.hits) == 3
    assert sum(1 for f in found if isinstance(f, KeyLookupFailure) and f.reason == TOO_MANY_FETCHES) == 7


def test_the_caches_stay_bounded_whatever_keys_are_named(local_server: LocalServer) -> None:
    site = Site()
    budget = FetchBudget(host_burst=10_000, global_burst=10_000, max_hosts=4)

    async def scenario(base: str, cache: KeyCache) -> KeyCache:
        for n in range(300):
            await cache(f"{base}/users/ghost{n}#main-key", False)
        for n in range(50):
            budget.wait(f"host{n}.example")
        return cache

    cache = run(local_server, site, scenario, budget=budget, max_failures=100)
    assert len(cache.failures) == 100
    assert len(budget.hosts) == 4
    assert not cache._fetching


def test_a_key_on_another_host_than_its_actor_is_refused(local_server: LocalServer, rsa_key: rsa.RSAPrivateKey) -> None:
    """The actor on 127.0.0.1 lists a key served by `localhost` (another host name for the same server)."""

    def other(host: str) -> str:
        return (
            host.replace("127.0.0.1", "localhost")
            if host.startswith("127.")
            else host.replace("localhost", "127.0.0.1")
        )

    site = Site(
        {
            "kim": lambda host: {
                "id": f"http://{host}/users/kim",
                "type": "Person",
                "inbox": f"http://{host}/users/kim/inbox",
                "publicKey": f"http://{other(host)}/users/kimkey",
            },
            "kimkey": lambda host: {
                "id": f"http://{host}/users/kimkey",
                "owner": f"http://{other(host)}/users/kim",
                "publicKeyPem": pem(rsa_key),
            },
        }
    )

    async def scenario(base: str, cache: KeyCache) -> Any:
        return await cache(base.replace("127.0.0.1", "localhost") + "/users/kimkey", False)

    failure = run(local_server, site, scenario)
    assert isinstance(failure, KeyLookupFailure) and failure.reason == "key_document_error"
    assert "not on the host of its owner" in failure.detail


def test_a_key_inside_its_actor_on_the_same_host_is_still_found(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    site = Site(
        {
            "ada": lambda host: {
                "id": f"http://{host}/users/ada",
                "type": "Person",
                "inbox": f"http://{host}/users/ada/inbox",
                "publicKey": {"id": f"http://{host}/users/ada#main-key", "publicKeyPem": pem(rsa_key)},
            }
        }
    )

    async def scenario(base: str, cache: KeyCache) -> Any:
        return await cache(f"{base}/users/ada#main-key", False)

    assert isinstance(run(local_server, site, scenario), PublicKeyInfo)


def test_a_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(burst=2, rate=0.5, tokens=2, updated=0.0)
    assert (bucket.wait(0.0), bucket.wait(0.0)) == (0.0, 0.0)
    assert bucket.wait(0.0) == 2.0
    assert bucket.wait(1.0) == 1.0
    assert bucket.wait(2.0) == 0.0
    assert bucket.wait(100.0) == 0.0 and bucket.tokens == 1.0  # never more than the burst
