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

Keys are cached in an injectable ``KeyStore`` (any ``MutableMapping[str, CachedKey]`` is one; in
memory and bounded by default; the shim keeps it in its database, see ``storage``). A cached key
older than ``max_age`` is fetched again. When the verifier asks for ``refresh=True`` (a signature
failed; the key may have been rotated), the key is fetched again unless it was fetched less than
``min_refresh_interval`` ago, so a stream of bad signatures cannot make us hammer a server.

A request can name any keyId, so unknown keys must not cost a fetch each (issue 12, amplification):

* a keyId that is not a usable http(s) URL (``web_urls``) is refused without a fetch;
* a failed fetch is remembered (a negative cache, an LRU of ``max_failures`` entries) for ``failure_ttl`` seconds,
  ``temporary_failure_ttl`` when the failure was temporary; the same unknown keyId sent 30 times costs one fetch;
* concurrent lookups of one key share one fetch;
* each new fetch spends a token of the keyId's host and of everyone (``fetch_budget.FetchBudget``); without one the
  lookup fails at once as temporary (``keys.TOO_MANY_FETCHES``, answered 503 with Retry-After).

Beyond Mastodon's rules, the key must be on the host of the actor that owns it (compared as lower-case host and
port): a key document elsewhere, even one the actor lists, is refused, so one compromised or hostile host cannot
serve keys for actors on another.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .activities import id_of
from .errors import FetchError, KeyDocumentError
from .fetch_budget import FetchBudget
from .keys import TOO_MANY_FETCHES, KeyLookupFailure, PublicKey, PublicKeyInfo, public_key_from_pem
from .lru_dict import LRUDict
from .remote_fetch import FetchedDocument
from .web_urls import parse_web_url

__all__ = ["ACTOR_TYPES", "CachedKey", "DocumentFetcher", "FetchBudget", "KeyCache", "KeyStore", "LRUDict"]

logger = logging.getLogger(__name__)

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})


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


class KeyStore(Protocol):
    """What KeyCache needs of its store: read an entry, write one (a ``MutableMapping[str, CachedKey]`` does)."""

    def get(self, key_id: str, /) -> CachedKey | None: ...
    def __setitem__(self, key_id: str, entry: CachedKey, /) -> None: ...


@dataclass(frozen=True)
class _Failure:
    failure: KeyLookupFailure
    until: float


class KeyCache:
    """A ``keys.KeyLookup``: ``await cache(key_id, refresh)`` -> PublicKeyInfo or failure."""

    def __init__(
        self,
        fetcher: DocumentFetcher,
        *,
        store: KeyStore | None = None,
        max_age: float = 24 * 3600.0,
        min_refresh_interval: float = 60.0,
        failure_ttl: float = 300.0,
        temporary_failure_ttl: float = 60.0,
        max_failures: int = 10_000,
        budget: FetchBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fetcher = fetcher
        self.store: KeyStore = LRUDict() if store is None else store
        self.max_age = max_age
        self.min_refresh_interval = min_refresh_interval
        self.failure_ttl = failure_ttl
        self.temporary_failure_ttl = temporary_failure_ttl
        self.failures: LRUDict[str, _Failure] = LRUDict(max_failures)
        self.budget = FetchBudget(clock=clock) if budget is None else budget
        self.clock = clock
        self._fetching: dict[str, asyncio.Future[CachedKey]] = {}

    async def __call__(self, key_id: str, refresh: bool = False) -> PublicKeyInfo | KeyLookupFailure:
        now = self.clock()
        cached = self.store.get(key_id)
        if cached is not None:
            age = now - cached.fetched_at
            if age < self.max_age and (not refresh or age < self.min_refresh_interval):
                return _info(cached, from_cache=True)
        failed = self.failures.get(key_id)
        if failed is not None:
            if now < failed.until:
                return _remembered(failed, now)
            del self.failures[key_id]
        pending = self._fetching.get(key_id)
        if pending is None:
            try:
                host = parse_web_url(key_id).authority
            except ValueError as error:
                return self._failed(key_id, KeyDocumentError(key_id, f"keyId: {error}"), now)
            wait = self.budget.wait(host)
            if wait:
                return KeyLookupFailure(
                    key_id,
                    TOO_MANY_FETCHES,
                    f"{host} was asked for too many keys lately; not fetching {key_id} now",
                    temporary=True,
                    retry_after=max(1, math.ceil(wait)),
                )
            pending = self._start_fetch(key_id)
        try:
            entry = await asyncio.shield(pending)  # one waiter giving up does not cancel the fetch for the others
        except FetchError as error:
            return self._failure(key_id, error)
        return _info(entry, from_cache=False)

    def _failure(self, key_id: str, error: FetchError) -> KeyLookupFailure:
        ttl = self.temporary_failure_ttl if error.temporary else self.failure_ttl
        return KeyLookupFailure(
            key_id,
            error.code,
            str(error),
            temporary=error.temporary,
            retry_after=max(1, math.ceil(ttl)) if error.temporary else None,
        )

    def _failed(self, key_id: str, error: FetchError, now: float) -> KeyLookupFailure:
        failure = self._failure(key_id, error)
        ttl = self.temporary_failure_ttl if error.temporary else self.failure_ttl
        self.failures[key_id] = _Failure(failure, now + ttl)
        return failure

    async def _fetch_and_remember(self, key_id: str) -> CachedKey:
        """The fetch every waiter shares. It records its outcome (the key, or the failure) before it completes, so a
        lookup arriving just after it finds that, never a gap with neither a fetch under way nor a result."""
        try:
            entry = await self.fetch_key(key_id)
        except FetchError as error:
            logger.info("key %s could not be fetched: %s", key_id, error)
            self._failed(key_id, error, self.clock())
            raise
        self.failures.pop(key_id, None)
        self.store[key_id] = entry
        return entry

    def _start_fetch(self, key_id: str) -> asyncio.Future[CachedKey]:
        """Fetch `key_id` once for every lookup waiting for it: a server that starts talking to us sends a burst of
        requests signed with one new key, and they should cost its server one fetch, not one each."""
        pending = asyncio.ensure_future(self._fetch_and_remember(key_id))
        self._fetching[key_id] = pending
        pending.add_done_callback(lambda done: self._fetch_done(key_id, done))
        return pending

    def _fetch_done(self, key_id: str, done: asyncio.Future[CachedKey]) -> None:
        self._fetching.pop(key_id, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a failure every waiter gave up on is not reported as unhandled

    async def fetch_key(self, key_id: str) -> CachedKey:
        """Dereference ``key_id`` now, bypassing the cache. Raises FetchError."""
        try:
            key_host = parse_web_url(key_id).authority
        except ValueError as error:
            raise KeyDocumentError(key_id, f"keyId: {error}") from None
        url = key_id.split("#", 1)[0]
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
            owner = id_of(entry.get("owner"))
            if owner is not None and owner != document["id"]:
                raise KeyDocumentError(url, f"{key_id} is owned by {owner}, not {document['id']}")
            _check_same_host(key_id, key_host, document["id"])
            return self._entry(key_id, document["id"], entry["publicKeyPem"])
        pem, owner = document.get("publicKeyPem"), id_of(document.get("owner"))
        if not isinstance(pem, str) or owner is None:
            raise KeyDocumentError(url, f"{url} is neither an actor nor a key with an owner")
        if document.get("id") != key_id:
            raise KeyDocumentError(url, f"key document id {document.get('id')!r} is not {key_id}")
        _check_same_host(key_id, key_host, owner)
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


def _check_same_host(key_id: str, key_host: str, actor_id: str) -> None:
    try:
        actor_host = parse_web_url(actor_id).authority
    except ValueError as error:
        raise KeyDocumentError(key_id, f"the owner of {key_id}: {error}") from None
    if actor_host != key_host:
        raise KeyDocumentError(key_id, f"{key_id} is on {key_host}, not on the host of its owner {actor_id}")


def _remembered(failed: _Failure, now: float) -> KeyLookupFailure:
    failure = failed.failure
    if not failure.temporary:
        return failure
    wait = max(1, math.ceil(failed.until - now))
    return KeyLookupFailure(failure.key_id, failure.reason, failure.detail, temporary=True, retry_after=wait)


def _info(entry: CachedKey, *, from_cache: bool) -> PublicKeyInfo:
    return PublicKeyInfo(entry.key_id, entry.owner, _loaded_key(entry.public_key_pem), from_cache)


@functools.lru_cache(maxsize=4096)
def _loaded_key(pem: str) -> PublicKey:
    """The key object for a PEM text, kept: loading costs 6 µs, and a key's first verification about 15 µs more
    than the next ones (OpenSSL prepares it), which every inbox request would otherwise pay. Keyed by the PEM text
    itself, so it can never answer with a key that was replaced or removed."""
    return public_key_from_pem(pem)


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
