"""Signing outgoing requests and verifying incoming ones, for both signature schemes.

The one entry point for callers. Outgoing requests (deliveries, Accepts, authorized fetches) are
signed with draft-cavage-http-signatures-12 (:func:`sign_post`, :func:`sign_get`), which every
fediverse server accepts. Incoming requests are verified with :func:`verify_request`: RFC 9421
(HTTP Message Signatures) when a ``Signature-Input`` header is present, else draft-cavage;
``cavage`` and ``rfc9421`` hold the rules of each.

Verification is Mastodon's recipe (``app/controllers/concerns/signature_verification.rb``):
check everything that needs no key, look the key up, verify; if that fails with a key that may
be stale, look it up once more with ``refresh=True`` (the actor may have rotated its key) and
verify again. Whether the signer may act for the activity's ``actor`` is the caller's question;
:func:`check_signer_is_actor` answers it.

Typical use in an inbox::

    result = await verify_request(
        method="POST", target_uri="https://lectern.example/inbox", headers=request_headers,
        body=body, now=datetime.now(UTC), key_lookup=key_cache,
    )
    result = check_signer_is_actor(result, activity)
    if not result.ok:
        ...  # 401 with result.reason (503 if result.retryable)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from . import cavage, rfc9421
from .cavage import sign_get, sign_headers, sign_post
from .keys import TOO_MANY_FETCHES, KeyLookup, KeyLookupFailure, PublicKeyInfo
from .request_view import TargetURI, headers_from_pairs, lowercase_headers
from .signature_result import (
    DEFAULT_POLICY,
    PendingSignature,
    Reason,
    VerificationPolicy,
    VerificationResult,
    activity_actor_id,
    check_signer_is_actor,
)
from .web_urls import authority_of

__all__ = [
    "DEFAULT_POLICY",
    "KeyLookup",
    "KeyLookupFailure",
    "PublicKeyInfo",
    "Reason",
    "VerificationPolicy",
    "VerificationResult",
    "activity_actor_id",
    "check_signer_is_actor",
    "headers_from_pairs",
    "sign_get",
    "sign_headers",
    "sign_post",
    "sign_request_rfc9421",
    "verify_request",
]

logger = logging.getLogger(__name__)

sign_request_rfc9421 = rfc9421.sign_request


async def verify_request(
    *,
    method: str,
    target_uri: str | TargetURI,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    key_lookup: KeyLookup,
    policy: VerificationPolicy = DEFAULT_POLICY,
    signer_host: str | None = None,
) -> VerificationResult:
    """Verify the HTTP signature of an incoming request.

    ``target_uri`` is the full URI as received: scheme, host and port, *raw* path and query.
    ``headers`` may use any case; a field sent several times must be one value joined with
    ``", "`` (see :func:`headers_from_pairs`). ``now`` must be timezone-aware.

    ``signer_host`` is the authority (``TargetURI.authority``) the signer must be on, when the caller
    knows it (an inbox: the activity's actor's host). A key is only accepted on its owner's host
    (``key_cache``), so a keyId elsewhere is refused here, before its key is looked up or fetched.
    """
    lowered = lowercase_headers(headers)
    try:
        target = target_uri if isinstance(target_uri, TargetURI) else TargetURI.parse(target_uri)
    except ValueError as error:
        return VerificationResult.failure(Reason.UNPARSABLE_SIGNATURE, f"bad target URI: {error}")
    if "signature-input" in lowered:
        prepared = rfc9421.prepare(method, target, lowered, body, now, policy)
    else:
        prepared = cavage.prepare(method, target, lowered, body, now, policy)
    if isinstance(prepared, VerificationResult):
        return _log(prepared)
    if signer_host is not None and authority_of(prepared.key_id) != signer_host:
        return _log(
            VerificationResult.failure(
                Reason.SIGNER_IS_NOT_ACTOR,
                f"key {prepared.key_id} is not on {signer_host}, the host of the activity's actor",
                key_id=prepared.key_id,
                scheme=prepared.scheme,
            )
        )
    return _log(await _verify_with_key(prepared, key_lookup))


async def _verify_with_key(pending: PendingSignature, key_lookup: KeyLookup) -> VerificationResult:
    refreshed = False
    while True:
        found = await key_lookup(pending.key_id, refreshed)
        if isinstance(found, KeyLookupFailure):
            limited = found.reason == TOO_MANY_FETCHES
            return VerificationResult(
                False,
                Reason.KEY_FETCH_LIMITED if limited else Reason.KEY_FETCH_FAILED,
                f"could not get key {pending.key_id}: {found.reason}: {found.detail}",
                key_id=pending.key_id,
                scheme=pending.scheme,
                retryable=found.temporary,
                retry_after=found.retry_after if found.temporary else None,
            )
        if found.key_id != pending.key_id:
            return VerificationResult(
                False,
                Reason.KEY_FETCH_FAILED,
                f"key lookup for {pending.key_id} returned {found.key_id}",
                key_id=pending.key_id,
                scheme=pending.scheme,
            )
        problem = pending.check(found.public_key)
        if problem is None:
            return VerificationResult(
                True,
                Reason.VERIFIED,
                f"signed by {found.owner} with {pending.key_id}" + (" (after refreshing the key)" if refreshed else ""),
                key_id=pending.key_id,
                signer=found.owner,
                scheme=pending.scheme,
            )
        if refreshed or not found.from_cache:
            detail = (
                f"signature does not verify with {pending.key_id} of {found.owner}"
                if problem is Reason.INVALID_SIGNATURE
                else f"key {pending.key_id} of {found.owner} does not fit the signature algorithm"
            )
            return VerificationResult.failure(problem, detail, key_id=pending.key_id, scheme=pending.scheme)
        refreshed = True


def _log(result: VerificationResult) -> VerificationResult:
    if not result.ok:
        logger.debug("signature refused: %s (%s) key=%s", result.reason, result.detail, result.key_id)
    return result
