"""Examples of turning keyIds into keys with KeyCache, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.http_signatures import Reason, sign_post, verify_request
from lectern.federation_shim.key_cache import CachedKey, KeyCache, LRUDict
from lectern.federation_shim.keys import KeyLookupFailure, PublicKey, PublicKeyInfo
from lectern.federation_shim.remote_fetch import RemoteFetcher
from tests.federation_shim.local_http import LocalServer

AP_JSON = "application/activity+json"
Document = Callable[[str], dict[str, Any]]  # base URL -> document


def pem_of(public_key: PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def pem(key: rsa.RSAPrivateKey) -> str:
    return pem_of(key.public_key())


def actor(base: str, path: str, public_key: object, kind: str = "Person") -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": base + path,
        "type": kind,
        "inbox": base + path + "/inbox",
        "publicKey": public_key,
    }


def key_entry(base: str, key_path: str, owner_path: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    return {"id": base + key_path, "owner": base + owner_path, "publicKeyPem": pem(key)}


@dataclass
class RemoteSite:
    """A remote server's documents, changeable while it runs; counts the requests it gets."""

    documents: dict[str, Document]
    hits: list[str] = field(default_factory=list)

    def handler(self, path: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            self.hits.append(path)
            base = f"http://{request.host}"
            return web.json_response(self.documents[path](base), content_type=AP_JSON)

        return handle


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def run(
    local_server: LocalServer, site: RemoteSite, scenario: Callable[[str, KeyCache], Awaitable[Any]], **options: Any
) -> Any:
    async def main() -> Any:
        routes = {path: site.handler(path) for path in site.documents}
        async with local_server(routes) as base, RemoteFetcher(allow_private_addresses=True) as fetcher:
            return await scenario(base, KeyCache(fetcher, **options))

    return asyncio.run(main())


def test_key_inside_the_actor_document_is_found_by_its_fragment(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    site = RemoteSite(
        {"/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key))}
    )

    async def scenario(base: str, cache: KeyCache) -> None:
        found = await cache(base + "/users/ada#main-key", False)
        assert isinstance(found, PublicKeyInfo)
        assert found.owner == base + "/users/ada"
        assert pem_of(found.public_key) == pem(rsa_key)
        assert not found.from_cache

    run(local_server, site, scenario)


def test_actor_with_several_keys_gives_the_one_named(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    def document(b: str) -> dict[str, Any]:
        keys = [
            key_entry(b, "/users/ada#old", "/users/ada", rsa_key),
            key_entry(b, "/users/ada#new", "/users/ada", second_rsa_key),
        ]
        return actor(b, "/users/ada", keys, kind="Service")

    site = RemoteSite({"/users/ada": document})

    async def scenario(base: str, cache: KeyCache) -> None:
        found = await cache(base + "/users/ada#new", False)
        assert isinstance(found, PublicKeyInfo)
        assert pem_of(found.public_key) == pem(second_rsa_key)

    run(local_server, site, scenario)


def test_gotosocial_style_key_url_leads_to_the_full_actor(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    def stub(b: str) -> dict[str, Any]:  # served at the keyId, with the actor's id
        return actor(b, "/users/gts", key_entry(b, "/users/gts/main-key", "/users/gts", rsa_key))

    site = RemoteSite({"/users/gts/main-key": stub, "/users/gts": stub})

    async def scenario(base: str, cache: KeyCache) -> None:
        found = await cache(base + "/users/gts/main-key", False)
        assert isinstance(found, PublicKeyInfo) and found.owner == base + "/users/gts"

    run(local_server, site, scenario)
    assert site.hits == ["/users/gts/main-key", "/users/gts"]


def test_standalone_key_document_needs_an_owner_that_lists_it(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    site = RemoteSite(
        {
            "/keys/1": lambda b: key_entry(b, "/keys/1", "/users/kim", rsa_key),
            "/users/kim": lambda b: actor(b, "/users/kim", b + "/keys/1"),
        }
    )

    async def scenario(base: str, cache: KeyCache) -> None:
        found = await cache(base + "/keys/1", False)
        assert isinstance(found, PublicKeyInfo) and found.owner == base + "/users/kim"

    run(local_server, site, scenario)


def test_key_document_claiming_an_owner_who_does_not_list_it_is_refused(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    site = RemoteSite(
        {
            "/keys/stolen": lambda b: key_entry(b, "/keys/stolen", "/users/ada", second_rsa_key),
            "/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key)),
        }
    )

    async def scenario(base: str, cache: KeyCache) -> None:
        failure = await cache(base + "/keys/stolen", False)
        assert isinstance(failure, KeyLookupFailure)
        assert failure.reason == "key_document_error"
        assert "does not list" in failure.detail
        assert not failure.temporary

    run(local_server, site, scenario)


def test_key_entry_owned_by_someone_else_is_refused(local_server: LocalServer, rsa_key: rsa.RSAPrivateKey) -> None:
    site = RemoteSite(
        {"/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#k", "/users/eve", rsa_key))}
    )

    async def scenario(base: str, cache: KeyCache) -> None:
        failure = await cache(base + "/users/ada#k", False)
        assert isinstance(failure, KeyLookupFailure) and "owned by" in failure.detail

    run(local_server, site, scenario)


def test_actor_without_that_key_and_documents_that_are_not_keys_are_refused(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    site = RemoteSite(
        {
            "/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key)),
            "/notes/1": lambda b: {"id": b + "/notes/1", "type": "Note", "content": "hi"},
        }
    )

    async def scenario(base: str, cache: KeyCache) -> None:
        for key_id in (base + "/users/ada#other-key", base + "/notes/1", "acct:ada@remote.example"):
            failure = await cache(key_id, False)
            assert isinstance(failure, KeyLookupFailure), key_id
            assert failure.reason == "key_document_error"

    run(local_server, site, scenario)


def test_unreachable_key_is_a_failure_with_the_fetch_reason(local_server: LocalServer) -> None:
    site = RemoteSite({})

    async def scenario(base: str, cache: KeyCache) -> None:
        failure = await cache(base + "/users/gone#main-key", False)
        assert isinstance(failure, KeyLookupFailure)
        assert failure.reason == "http_status" and "404" in failure.detail

    run(local_server, site, scenario)


def test_keys_are_served_from_the_cache_until_max_age(local_server: LocalServer, rsa_key: rsa.RSAPrivateKey) -> None:
    site = RemoteSite(
        {"/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key))}
    )
    clock = Clock()
    store: dict[str, CachedKey] = {}

    async def scenario(base: str, cache: KeyCache) -> None:
        key_id = base + "/users/ada#main-key"
        await cache(key_id, False)
        again = await cache(key_id, False)
        assert isinstance(again, PublicKeyInfo) and again.from_cache
        assert store[key_id].public_key_pem == pem(rsa_key)  # plain data, ready for SQLite
        clock.now += 3601
        assert isinstance(await cache(key_id, False), PublicKeyInfo)

    run(local_server, site, scenario, store=store, clock=clock, max_age=3600)
    assert site.hits == ["/users/ada", "/users/ada"]


def test_refresh_refetches_but_not_more_than_once_a_minute(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    current = {"key": rsa_key}
    site = RemoteSite(
        {
            "/users/ada": lambda b: actor(
                b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", current["key"])
            )
        }
    )
    clock = Clock()

    async def scenario(base: str, cache: KeyCache) -> None:
        key_id = base + "/users/ada#main-key"
        await cache(key_id, False)
        current["key"] = second_rsa_key  # the actor rotates its key
        assert isinstance(await cache(key_id, True), PublicKeyInfo)  # too soon: the cached one
        clock.now += 61
        refreshed = await cache(key_id, True)
        assert isinstance(refreshed, PublicKeyInfo) and not refreshed.from_cache
        assert pem_of(refreshed.public_key) == pem(second_rsa_key)

    run(local_server, site, scenario, clock=clock)
    assert site.hits == ["/users/ada", "/users/ada"]


def test_rotated_key_verifies_after_the_verifier_asks_for_a_refresh(
    local_server: LocalServer, rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    current = {"key": rsa_key}
    site = RemoteSite(
        {
            "/users/ada": lambda b: actor(
                b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", current["key"])
            )
        }
    )
    clock = Clock()

    async def scenario(base: str, cache: KeyCache) -> None:
        key_id = base + "/users/ada#main-key"
        await cache(key_id, False)  # cached: the old key
        current["key"] = second_rsa_key
        clock.now += 3600
        body = b'{"type":"Follow"}'
        headers = sign_post("https://lectern.example/inbox", body, key_id=key_id, private_key=second_rsa_key)
        result = await verify_request(
            method="POST",
            target_uri="https://lectern.example/inbox",
            headers=headers,
            body=body,
            now=datetime.now(UTC),
            key_lookup=cache,
        )
        assert result.ok, result.detail
        assert (result.reason, result.signer) == (Reason.VERIFIED, base + "/users/ada")

    run(local_server, site, scenario, clock=clock, max_age=24 * 3600)
    assert site.hits == ["/users/ada", "/users/ada"]


def test_lru_dict_forgets_the_least_recently_used() -> None:
    lru: LRUDict[str, int] = LRUDict(maxsize=2)
    lru["a"], lru["b"] = 1, 2
    assert lru["a"] == 1  # "a" is now the most recent
    lru["c"] = 3
    assert dict(lru) == {"a": 1, "c": 3}


def test_a_burst_signed_with_a_new_key_fetches_it_once(local_server: LocalServer, rsa_key: rsa.RSAPrivateKey) -> None:
    site = RemoteSite(
        {"/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key))}
    )

    async def scenario(base: str, cache: KeyCache) -> list[PublicKeyInfo | KeyLookupFailure]:
        return await asyncio.gather(*(cache(base + "/users/ada#main-key", False) for _ in range(20)))

    found = run(local_server, site, scenario)
    assert all(isinstance(info, PublicKeyInfo) for info in found)
    assert site.hits == ["/users/ada"]


def test_a_failed_fetch_is_shared_by_the_burst_remembered_and_tried_again_after_its_ttl(
    local_server: LocalServer,
) -> None:
    site = RemoteSite({"/users/gone": lambda b: {"id": b + "/users/gone", "type": "Note"}})
    clock = Clock()

    async def scenario(base: str, cache: KeyCache) -> list[PublicKeyInfo | KeyLookupFailure]:
        burst = await asyncio.gather(*(cache(base + "/users/gone#main-key", False) for _ in range(5)))
        repeated = [await cache(base + "/users/gone#main-key", False) for _ in range(30)]
        clock.now += 301
        later = await cache(base + "/users/gone#main-key", False)
        return [*burst, *repeated, later]

    found = run(local_server, site, scenario, clock=clock, failure_ttl=300)
    assert all(isinstance(failure, KeyLookupFailure) for failure in found)
    assert site.hits == ["/users/gone", "/users/gone"]  # once for the burst and the repeats, once after the ttl
