"""Body digests: ``Digest`` (RFC 3230, RFC 5843) and ``Content-Digest`` (RFC 9530).

Fediverse servers sign a digest of the body, not the body itself, so a signature only protects
the body if the digest is both signed and checked. Two header formats are in use:

* ``Digest: SHA-256=<base64>`` (RFC 3230 instance digests, with the algorithm names of RFC 5843),
  signed by draft-cavage HTTP Signatures. Mastodon sends and accepts only SHA-256 here.
* ``Content-Digest: sha-256=:<base64>:`` (RFC 9530, a Structured Field dictionary), signed by
  RFC 9421 HTTP Message Signatures.

We compute SHA-256 and check SHA-256 and SHA-512. A header may list several digests: every
supported one must match, and at least one must be supported. Anything else (``MD5``, ``sha``,
``unixsum``, garbage) is reported as a :class:`DigestCheck` with a reason, never raised.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from .signature_result import Reason
from .structured_fields import Item, StructuredFieldError, parse_dictionary

__all__ = [
    "DigestCheck",
    "DigestProblem",
    "check_content_digest",
    "check_digest",
    "content_digest_header",
    "digest_header",
    "digest_reason",
]

# Lower-case algorithm name -> hashlib name. RFC 5843 spells them SHA-256 / SHA-512 in Digest;
# RFC 9530 registers sha-256 / sha-512 for Content-Digest.
_SUPPORTED = {"sha-256": "sha256", "sha-512": "sha512"}


class DigestProblem(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    MISMATCH = "mismatch"


_REASONS = {
    DigestProblem.MALFORMED: Reason.DIGEST_MALFORMED,
    DigestProblem.UNSUPPORTED_ALGORITHM: Reason.DIGEST_UNSUPPORTED,
    DigestProblem.MISMATCH: Reason.DIGEST_MISMATCH,
}


def digest_reason(problem: DigestProblem | None) -> Reason:
    """The signature verdict's reason for a failed digest check: a malformed header is the request's fault whatever
    the key (answered 400), a mismatch or an unknown algorithm is a failed authentication (401)."""
    return _REASONS.get(problem, Reason.DIGEST_MISMATCH) if problem is not None else Reason.DIGEST_MISMATCH


@dataclass(frozen=True)
class DigestCheck:
    """The outcome of checking a digest header against a body.

    ``problem`` is None when ``ok``; ``algorithms`` lists the supported algorithms that matched.
    """

    ok: bool
    detail: str
    problem: DigestProblem | None = None
    algorithms: tuple[str, ...] = ()


def _raw_digest(algorithm: str, body: bytes) -> bytes:
    hashlib_name = _SUPPORTED.get(algorithm.lower())
    if hashlib_name is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}; use sha-256 or sha-512")
    return hashlib.new(hashlib_name, body).digest()


def digest_header(body: bytes, algorithm: str = "SHA-256") -> str:
    """The value of a ``Digest`` header for ``body``, e.g. ``SHA-256=X48E9q...``."""
    encoded = base64.b64encode(_raw_digest(algorithm, body)).decode("ascii")
    return f"{algorithm.upper()}={encoded}"


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """The value of a ``Content-Digest`` header for ``body``, e.g. ``sha-256=:X48E9q...:``."""
    encoded = base64.b64encode(_raw_digest(algorithm, body)).decode("ascii")
    return f"{algorithm.lower()}=:{encoded}:"


def _compare(offered: list[tuple[str, bytes]], body: bytes, header: str) -> DigestCheck:
    supported = [(name, value) for name, value in offered if name in _SUPPORTED]
    if not supported:
        names = ", ".join(name for name, _ in offered) or "none"
        return DigestCheck(
            False,
            f"{header} offers no supported algorithm (offered: {names}; supported: sha-256, sha-512)",
            DigestProblem.UNSUPPORTED_ALGORITHM,
        )
    for name, value in supported:
        expected = _raw_digest(name, body)
        if len(value) != len(expected):
            return DigestCheck(
                False,
                f"{header} {name} value has {len(value)} bytes, a {name} digest has {len(expected)}",
                DigestProblem.MALFORMED,
            )
        if not hmac.compare_digest(value, expected):
            computed = base64.b64encode(expected).decode("ascii")
            return DigestCheck(
                False,
                f"{header} {name} does not match the body (computed {computed})",
                DigestProblem.MISMATCH,
            )
    matched = tuple(name for name, _ in supported)
    return DigestCheck(True, f"{header} matches the body ({', '.join(matched)})", None, matched)


def check_digest(value: str, body: bytes) -> DigestCheck:
    """Check an RFC 3230 ``Digest`` header value (``SHA-256=<b64>[, SHA-512=<b64>]``)."""
    offered: list[tuple[str, bytes]] = []
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep or not name:
            return DigestCheck(
                False,
                f"Digest member {part.strip()!r} is not <algorithm>=<value>",
                DigestProblem.MALFORMED,
            )
        name = name.strip().lower()
        if name not in _SUPPORTED:
            offered.append((name, b""))
            continue
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except ValueError:  # binascii.Error, or a non-ASCII character
            return DigestCheck(False, f"Digest {name} value is not valid base64", DigestProblem.MALFORMED)
        offered.append((name, raw))
    return _compare(offered, body, "Digest")


def check_content_digest(value: str, body: bytes) -> DigestCheck:
    """Check an RFC 9530 ``Content-Digest`` header value (``sha-256=:<b64>:``)."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as error:
        return DigestCheck(
            False,
            f"Content-Digest is not a structured dictionary: {error}",
            DigestProblem.MALFORMED,
        )
    offered: list[tuple[str, bytes]] = []
    for name, member in members.items():
        if name in _SUPPORTED and not (isinstance(member, Item) and isinstance(member.value, bytes)):
            return DigestCheck(
                False,
                f"Content-Digest {name} is not a byte sequence (:base64:)",
                DigestProblem.MALFORMED,
            )
        raw = member.value if isinstance(member, Item) and isinstance(member.value, bytes) else b""
        offered.append((name, raw))
    return _compare(offered, body, "Content-Digest")
