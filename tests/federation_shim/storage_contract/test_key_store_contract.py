"""The key cache's store, the same for every storage backend: put, get, replace, and expiry through KeyCache."""

from __future__ import annotations

import asyncio

from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.key_cache import CachedKey, KeyCache
from lectern.federation_shim.keys import PublicKeyInfo
from lectern.federation_shim.remote_fetch import RemoteFetcher
from lectern.federation_shim.storage import ShimStorage
from tests.federation_shim.local_http import LocalServer
from tests.federation_shim.storage_contract.conftest import Backend
from tests.federation_shim.test_key_cache import Clock, RemoteSite, actor, key_entry

KEY_ID = "https://ada.example/users/ada#main-key"


def test_a_key_is_put_got_and_replaced(storage: ShimStorage) -> None:
    assert storage.keys.get(KEY_ID) is None
    entry = CachedKey(KEY_ID, "https://ada.example/users/ada", "PEM 1", 1_000.0)
    storage.keys[KEY_ID] = entry
    assert storage.keys.get(KEY_ID) == entry
    rotated = CachedKey(KEY_ID, "https://ada.example/users/ada", "PEM 2", 2_000.0)
    storage.keys[KEY_ID] = rotated
    assert storage.keys.get(KEY_ID) == rotated
    assert storage.keys.get(KEY_ID + "2") is None


def test_a_key_stored_through_one_connection_is_read_through_another(backend: Backend) -> None:
    entry = CachedKey(KEY_ID, "https://ada.example/users/ada", "PEM", 1_000.0)
    backend().keys[KEY_ID] = entry
    assert backend().keys.get(KEY_ID) == entry


def test_a_stored_key_older_than_max_age_is_fetched_again(
    storage: ShimStorage, local_server: LocalServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    site = RemoteSite(
        {"/users/ada": lambda b: actor(b, "/users/ada", key_entry(b, "/users/ada#main-key", "/users/ada", rsa_key))}
    )
    clock = Clock()

    async def main() -> list[bool]:
        async with (
            local_server({"/users/ada": site.handler("/users/ada")}) as base,
            RemoteFetcher(allow_private_addresses=True) as fetcher,
        ):
            cache = KeyCache(fetcher, store=storage.keys, max_age=3600.0, clock=clock)
            key_id = base + "/users/ada#main-key"
            found = []
            for step in (0.0, 3599.0, 2.0):  # fetched, read from the store, expired and fetched anew
                clock.now += step
                info = await cache(key_id)
                assert isinstance(info, PublicKeyInfo)
                found.append(info.from_cache)
            stored = storage.keys.get(key_id)
            assert stored is not None and stored.fetched_at == clock.now
            return found

    assert asyncio.run(main()) == [False, True, False]
    assert site.hits == ["/users/ada", "/users/ada"]
