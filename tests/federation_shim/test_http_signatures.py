"""Examples of verify_request as an inbox uses it: key lookup, key rotation, refusals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.http_signatures import (
    KeyLookupFailure,
    PublicKeyInfo,
    Reason,
    VerificationResult,
    check_signer_is_actor,
    headers_from_pairs,
    sign_post,
    sign_request_rfc9421,
    verify_request,
)

KEY_ID = "https://remote.example/users/ada#main-key"
ACTOR = "https://remote.example/users/ada"
INBOX = "https://lectern.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/ada"}'
NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class ScriptedLookup:
    """A KeyLookup answering from a script: first answer, then the answer after refresh."""

    first: PublicKeyInfo | KeyLookupFailure
    refreshed: PublicKeyInfo | KeyLookupFailure | None = None
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | KeyLookupFailure:
        self.calls.append((key_id, refresh))
        if refresh:
            assert self.refreshed is not None, "refresh was not expected"
            return self.refreshed
        return self.first


def key_info(key: rsa.RSAPrivateKey, *, from_cache: bool) -> PublicKeyInfo:
    return PublicKeyInfo(KEY_ID, ACTOR, key.public_key(), from_cache=from_cache)


def verify(
    headers: dict[str, str], lookup: ScriptedLookup, now: datetime = NOW, url: str = INBOX
) -> VerificationResult:
    return asyncio.run(
        verify_request(method="POST", target_uri=url, headers=headers, body=BODY, now=now, key_lookup=lookup)
    )


def signed(key: rsa.RSAPrivateKey) -> dict[str, str]:
    return sign_post(INBOX, BODY, key_id=KEY_ID, private_key=key, now=NOW)


def test_key_rotation_stale_cached_key_then_refreshed_key_succeeds(
    rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    lookup = ScriptedLookup(
        first=key_info(second_rsa_key, from_cache=True),  # the key before rotation
        refreshed=key_info(rsa_key, from_cache=False),
    )
    result = verify(signed(rsa_key), lookup)
    assert result.ok, result.detail
    assert "after refreshing" in result.detail
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


def test_refreshed_key_that_still_fails_is_an_invalid_signature(
    rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    stale = key_info(second_rsa_key, from_cache=True)
    lookup = ScriptedLookup(first=stale, refreshed=key_info(second_rsa_key, from_cache=False))
    result = verify(signed(rsa_key), lookup)
    assert (result.ok, result.reason) == (False, Reason.INVALID_SIGNATURE)
    assert len(lookup.calls) == 2


def test_a_just_fetched_key_that_fails_is_not_fetched_again(
    rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    lookup = ScriptedLookup(first=key_info(second_rsa_key, from_cache=False))
    assert verify(signed(rsa_key), lookup).reason is Reason.INVALID_SIGNATURE
    assert lookup.calls == [(KEY_ID, False)]


def test_key_fetch_failure_is_reported_and_temporary_ones_are_retryable(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    down = KeyLookupFailure(KEY_ID, "fetch_timeout", "took longer than 10 s", temporary=True)
    result = verify(signed(rsa_key), ScriptedLookup(first=down))
    assert (result.ok, result.reason, result.retryable) == (False, Reason.KEY_FETCH_FAILED, True)
    assert "fetch_timeout" in result.detail
    gone = KeyLookupFailure(KEY_ID, "http_status", "answered HTTP 410")
    assert not verify(signed(rsa_key), ScriptedLookup(first=gone)).retryable


def test_failure_to_refresh_is_a_key_fetch_failure(
    rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey
) -> None:
    lookup = ScriptedLookup(
        first=key_info(second_rsa_key, from_cache=True),
        refreshed=KeyLookupFailure(KEY_ID, "http_status", "answered HTTP 404"),
    )
    assert verify(signed(rsa_key), lookup).reason is Reason.KEY_FETCH_FAILED


def test_lookup_answering_for_another_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    other = PublicKeyInfo("https://remote.example/other#key", ACTOR, rsa_key.public_key(), False)
    assert verify(signed(rsa_key), ScriptedLookup(first=other)).reason is Reason.KEY_FETCH_FAILED


def test_requests_refused_before_the_key_cause_no_lookup(rsa_key: rsa.RSAPrivateKey) -> None:
    lookup = ScriptedLookup(first=key_info(rsa_key, from_cache=False))
    assert verify(signed(rsa_key), lookup, now=NOW + timedelta(hours=2)).reason is Reason.EXPIRED
    assert verify({"Host": "lectern.example"}, lookup).reason is Reason.NO_SIGNATURE
    assert lookup.calls == []


def test_header_names_in_any_case_and_raw_asgi_pairs_work(rsa_key: rsa.RSAPrivateKey) -> None:
    lookup = ScriptedLookup(first=key_info(rsa_key, from_cache=False))
    headers = signed(rsa_key)
    assert verify({name.upper(): value for name, value in headers.items()}, lookup).ok
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    assert verify(headers_from_pairs(raw), lookup).ok


def test_signature_input_selects_rfc9421(rsa_key: rsa.RSAPrivateKey) -> None:
    lookup = ScriptedLookup(first=key_info(rsa_key, from_cache=False))
    headers = sign_request_rfc9421("POST", INBOX, headers={}, body=BODY, key_id=KEY_ID, private_key=rsa_key, now=NOW)
    assert verify(headers, lookup).scheme == "rfc9421"


def test_target_uri_that_is_not_absolute_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    lookup = ScriptedLookup(first=key_info(rsa_key, from_cache=False))
    result = verify(signed(rsa_key), lookup, url="/inbox")
    assert result.reason is Reason.UNPARSABLE_SIGNATURE


def test_inbox_flow_checks_signature_then_actor(rsa_key: rsa.RSAPrivateKey) -> None:
    lookup = ScriptedLookup(first=key_info(rsa_key, from_cache=False))
    result = verify(signed(rsa_key), lookup)
    assert check_signer_is_actor(result, {"type": "Follow", "actor": ACTOR}).ok
    forged = {"type": "Follow", "actor": "https://remote.example/users/bob"}
    assert check_signer_is_actor(result, forged).reason is Reason.SIGNER_IS_NOT_ACTOR
