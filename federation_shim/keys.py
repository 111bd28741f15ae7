"""Public keys of remote actors, as the signature verifier and the key cache exchange them.

ActivityPub has no key format of its own: actors publish a ``publicKey`` object from the W3C
Security Vocabulary (https://w3id.org/security/v1) with ``id``, ``owner`` and ``publicKeyPem``
(a SubjectPublicKeyInfo PEM). Mastodon uses 2048-bit RSA keys; Ed25519 keys are accepted here
because RFC 9421 defines an algorithm for them.

The verifier does not know where keys come from: it is given a :class:`KeyLookup`, an async
callable ``key_lookup(key_id, refresh)`` returning :class:`PublicKeyInfo` or
:class:`KeyLookupFailure`. ``federation_shim.key_cache.KeyCache`` is the usual implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

__all__ = [
    "KeyLookup",
    "KeyLookupFailure",
    "MIN_RSA_BITS",
    "PublicKey",
    "PublicKeyInfo",
    "TOO_MANY_FETCHES",
    "public_key_from_pem",
]

PublicKey = RSAPublicKey | Ed25519PublicKey

# Keys shorter than this are refused when parsed; Mastodon generates 2048-bit keys.
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class PublicKeyInfo:
    """A key and the actor it belongs to.

    ``owner`` is the actor id that lists this key. ``from_cache`` tells the verifier the key may
    be stale: when a signature fails with such a key, it asks once more with ``refresh=True``.
    """

    key_id: str
    owner: str
    public_key: PublicKey
    from_cache: bool = True


@dataclass(frozen=True)
class KeyLookupFailure:
    """Why no key could be produced for ``key_id``.

    ``temporary`` is true when retrying later may help (timeout, connection error, 5xx), so the
    caller can answer 503 instead of 401, with ``retry_after`` seconds in a Retry-After header when known.
    """

    key_id: str
    reason: str
    detail: str
    temporary: bool = False
    retry_after: int | None = None  # seconds, when temporary and known


# KeyLookupFailure.reason when the lookup refused to fetch: the key's host (or everyone) was asked too often lately.
TOO_MANY_FETCHES = "too_many_fetches"


class KeyLookup(Protocol):
    """``await key_lookup(key_id, refresh)`` -> the key, or why there is none."""

    async def __call__(self, key_id: str, refresh: bool, /) -> PublicKeyInfo | KeyLookupFailure: ...


def public_key_from_pem(pem: str) -> PublicKey:
    """Load a ``publicKeyPem`` value. Raises ValueError with a reason if it is not usable."""
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise ValueError(f"publicKeyPem is not a PEM public key: {error}") from error
    if isinstance(key, RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValueError(f"RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} needed")
        return key
    if isinstance(key, Ed25519PublicKey):
        return key
    raise ValueError(f"unsupported key type {type(key).__name__}; expected RSA or Ed25519")
