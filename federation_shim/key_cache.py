"""Turning a signature's keyId into the public key and the actor that owns it, with a cache.

The dereference is Mastodon's ``ActivityPub::FetchRemoteKeyService``
(``app/services/activitypub/fetch_remote_key_service.rb``):

1. Fetch the keyId URL (without its fragment) and, like ``fetch_resource(uri, false)``, if the
   document's ``id`` is not that URL, fetch its ``id`` and require it to match. This is how a
   GoToSocial keyId (``.../main-key``, serving a stub actor) leads to the full actor.
2. If the document is an actor (type Application, Group, Organization, Person or Service), its
   ``publicKey`` (an object or a list) must contain an entry whose ``id`` is the keyId; the
   owner is the actor.
3. Otherwise it must be a key document with ``publicKeyPem`` and ``owner`` whose ``id`` is the
   keyId; then the owner actor is fetched and must list that key in its ``publicKey``
   (``confirmed_owner?``), or anyone could claim to own anyone's key.

Keys are cached in an injectable ``MutableMapping[str, CachedKey]`` (in memory and bounded by
default; the shim will back it with SQLite). A cached key older than ``max_age`` is fetched
again. When the verifier asks for ``refresh=True`` (a signature failed; the key may have been
rotated), the key is fetched again unless it was fetched less than ``min_refresh_interval``
ago, so a stream of bad signatures cannot make us hammer a server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .errors import FetchError, KeyDocumentError
from .keys import KeyLookupFailure, PublicKey, PublicKeyInfo, public_key_from_pem
from .remote_fetch import FetchedDocument

__all__ = ["ACTOR_TYPES", "CachedKey", "DocumentFetcher", "KeyCache", "LRUDict"]

logger = logging.getLogger(__name__)

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})

K = TypeVar("K")
V = TypeVar("V")


class DocumentFetcher(Protocol):
    """What KeyCache needs of ``remote_fetch.RemoteFetcher``."""

    async def fetch(self, url: str, *, check_id: bool = True) -> FetchedDocument: ...


@dataclass(frozen=True)
class CachedKey:
    """A cache entry: plain data, so a persistent store can save it as a row."""

    key_id: str
    owner: str
    public_key_pem: str
    fetched_at: float


class LRUDict(MutableMapping[K, V]):
    """A dict that forgets its least recently used entries beyond ``maxsize``."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()

    def __getitem__(self, key: K) -> V:
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __delitem__(self, key: K) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class KeyCache:
    """A ``keys.KeyLookup``: ``await cache(key_id, refresh)`` -> PublicKeyInfo or failure."""

    def __init__(
        self,
        fetcher: DocumentFetcher,
        *,
        store: MutableMapping[str, CachedKey] | None = None,
        max_age: float = 24 * 3600.0,
        min_refresh_interval: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fetcher = fetcher
        self.store: MutableMapping[str, CachedKey] = LRUDict() if store is None else store
        self.max_age = max_age
        self.min_refresh_interval = min_refresh_interval
        self.clock = clock
        self._fetching: dict[str, asyncio.Future[CachedKey]] = {}

    async def __call__(self, key_id: str, refresh: bool = False) -> PublicKeyInfo | KeyLookupFailure:
        now = self.clock()
        cached = self.store.get(key_id)
        if cached is not None:
            age = now - cached.fetched_at
            if age < self.max_age and (not refresh or age < self.min_refresh_interval):
                return _info(cached, from_cache=True)
        try:
            entry = await self._fetch_once(key_id)
        except FetchError as error:
            logger.info("key %s could not be fetched: %s", key_id, error)
            return KeyLookupFailure(key_id, error.code, str(error), temporary=error.temporary)
        self.store[key_id] = entry
        return _info(entry, from_cache=False)

    async def _fetch_once(self, key_id: str) -> CachedKey:
        """Fetch `key_id`, or wait for the fetch of it already under way: a server that starts talking to us sends
        a burst of requests signed with one new key, and they should cost its server one fetch, not one each."""
        pending = self._fetching.get(key_id)
        if pending is None:
            pending = asyncio.ensure_future(self.fetch_key(key_id))
            self._fetching[key_id] = pending
            pending.add_done_callback(lambda done: self._fetch_done(key_id, done))
        return await asyncio.shield(pending)  # one waiter giving up does not cancel the fetch for the others

    def _fetch_done(self, key_id: str, done: asyncio.Future[CachedKey]) -> None:
        self._fetching.pop(key_id, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a failure every waiter gave up on is not reported as unhandled

    async def fetch_key(self, key_id: str) -> CachedKey:
        """Dereference ``key_id`` now, bypassing the cache. Raises FetchError."""
        url = key_id.split("#", 1)[0]
        if not url.startswith(("https://", "http://")):
            raise KeyDocumentError(key_id, f"keyId {key_id!r} is not an http(s) URL")
        first = await self.fetcher.fetch(url, check_id=False)
        document = first.document
        if document.get("id") != first.url:
            document_id = document.get("id")
            if not isinstance(document_id, str):
                raise KeyDocumentError(url, f"document at {url} has no id")
            document = (await self.fetcher.fetch(document_id)).document
        if _is_actor(document):
            entry = _listed_key(document, key_id)
            if entry is None or not isinstance(entry.get("publicKeyPem"), str):
                raise KeyDocumentError(url, f"actor {document['id']} does not publish {key_id}")
            owner = _id_of(entry.get("owner"))
            if owner is not None and owner != document["id"]:
                raise KeyDocumentError(url, f"{key_id} is owned by {owner}, not {document['id']}")
            return self._entry(key_id, document["id"], entry["publicKeyPem"])
        pem, owner = document.get("publicKeyPem"), _id_of(document.get("owner"))
        if not isinstance(pem, str) or owner is None:
            raise KeyDocumentError(url, f"{url} is neither an actor nor a key with an owner")
        if document.get("id") != key_id:
            raise KeyDocumentError(url, f"key document id {document.get('id')!r} is not {key_id}")
        actor = (await self.fetcher.fetch(owner)).document
        if not _is_actor(actor):
            raise KeyDocumentError(owner, f"owner {owner} of {key_id} is not an actor")
        if _listed_key(actor, key_id) is None:
            raise KeyDocumentError(owner, f"owner {owner} does not list {key_id} as its key")
        return self._entry(key_id, owner, pem)

    def _entry(self, key_id: str, owner: str, pem: str) -> CachedKey:
        try:
            public_key_from_pem(pem)
        except ValueError as error:
            raise KeyDocumentError(key_id, f"{key_id}: {error}") from error
        return CachedKey(key_id, owner, pem, self.clock())


def _info(entry: CachedKey, *, from_cache: bool) -> PublicKeyInfo:
    return PublicKeyInfo(entry.key_id, entry.owner, _loaded_key(entry.public_key_pem), from_cache)


@functools.lru_cache(maxsize=4096)
def _loaded_key(pem: str) -> PublicKey:
    """The key object for a PEM text, kept: loading costs 6 µs, and a key's first verification about 15 µs more
    than the next ones (OpenSSL prepares it), which every inbox request would otherwise pay. Keyed by the PEM text
    itself, so it can never answer with a key that was replaced or removed."""
    return public_key_from_pem(pem)


def _id_of(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _is_actor(document: dict[str, Any]) -> bool:
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    return isinstance(document.get("id"), str) and any(t in ACTOR_TYPES for t in type_list)


def _listed_key(actor: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    """The publicKey entry of ``actor`` with id ``key_id`` ({} if listed by reference only)."""
    keys = actor.get("publicKey")
    for entry in keys if isinstance(keys, list) else [keys]:
        if isinstance(entry, dict) and entry.get("id") == key_id:
            return entry
        if entry == key_id:
            return {}
    return None
