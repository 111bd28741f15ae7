"""Examples of signing with draft-cavage HTTP Signatures and of every request we refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.cavage import parse_signature_header, sign_get, sign_headers, sign_post
from lectern.federation_shim.digests import digest_header
from lectern.federation_shim.http_dates import format_http_date
from lectern.federation_shim.http_signatures import (
    Reason,
    VerificationPolicy,
    VerificationResult,
    verify_request,
)
from lectern.federation_shim.keys import KeyLookupFailure, PublicKeyInfo

KEY_ID = "https://remote.example/users/ada#main-key"
ACTOR = "https://remote.example/users/ada"
INBOX = "https://lectern.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/ada"}'
NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)


def verify(
    key: rsa.RSAPrivateKey,
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    now: datetime = NOW,
    policy: VerificationPolicy | None = None,
) -> VerificationResult:
    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo | KeyLookupFailure:
        return PublicKeyInfo(KEY_ID, ACTOR, key.public_key(), from_cache=False)

    return asyncio.run(
        verify_request(
            method=method,
            target_uri=url,
            headers=headers,
            body=body,
            now=now,
            key_lookup=lookup,
            policy=policy or VerificationPolicy(),
        )
    )


def signed_post(key: rsa.RSAPrivateKey, url: str = INBOX, body: bytes = BODY) -> dict[str, str]:
    return sign_post(url, body, key_id=KEY_ID, private_key=key, now=NOW)


def test_signed_post_verifies_and_names_the_signer(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, signed_post(rsa_key))
    assert result.ok, result.detail
    assert result.reason is Reason.VERIFIED
    assert (result.signer, result.key_id, result.scheme) == (ACTOR, KEY_ID, "cavage")


def test_signed_post_carries_the_headers_mastodon_signs(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed_post(rsa_key)
    assert headers["Host"] == "lectern.example"
    assert headers["Date"] == "Tue, 25 Nov 2025 12:00:00 GMT"
    assert headers["Digest"] == digest_header(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    params = parse_signature_header(headers["Signature"])
    assert params["keyId"] == KEY_ID
    assert params["algorithm"] == "rsa-sha256"
    assert params["headers"] == "(request-target) host date digest content-type"


def test_signed_get_signs_accept_and_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    url = "https://lectern.example/users/x/outbox?page=1"
    headers = sign_get(url, key_id=KEY_ID, private_key=rsa_key, now=NOW)
    assert parse_signature_header(headers["Signature"])["headers"] == ("(request-target) host date accept")
    assert headers["Accept"].startswith("application/activity+json")
    assert verify(rsa_key, headers, method="GET", url=url, body=b"").ok


def test_port_is_part_of_the_signed_host(rsa_key: rsa.RSAPrivateKey) -> None:
    url = "http://127.0.0.1:8080/inbox"
    headers = signed_post(rsa_key, url)
    assert headers["Host"] == "127.0.0.1:8080"
    assert verify(rsa_key, headers, url=url).ok


def test_independent_httpsig_library_verifies_our_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    httpsig = pytest.importorskip("httpsig")
    headers = signed_post(rsa_key)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = httpsig.HeaderVerifier(
        headers,
        public_pem,
        ["(request-target)", "host", "date", "digest"],
        method="POST",
        path="/inbox",
        sign_header="Signature",
    )
    assert verifier.verify()


def test_we_verify_a_signature_made_by_the_httpsig_library(rsa_key: rsa.RSAPrivateKey) -> None:
    httpsig = pytest.importorskip("httpsig")
    private_pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = httpsig.HeaderSigner(
        KEY_ID,
        private_pem,
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date", "digest"],
        sign_header="Signature",
    )
    unsigned = {"Host": "lectern.example", "Date": format_http_date(NOW), "Digest": digest_header(BODY)}
    headers = signer.sign(unsigned, method="POST", path="/inbox")
    assert verify(rsa_key, headers).ok


def test_request_without_signature_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, {"Host": "lectern.example", "Digest": digest_header(BODY)})
    assert (result.ok, result.reason) == (False, Reason.NO_SIGNATURE)


@pytest.mark.parametrize(
    "signature",
    [
        "this is not a signature",
        'keyId="https://remote.example/k",headers="date"',  # no signature=
        'signature="AAAA",headers="date"',  # no keyId=
        'keyId="a",keyId="b",signature="AAAA"',  # repeated parameter
        'keyId="a",signature="AAAA",',  # trailing comma
    ],
)
def test_unparsable_signature_is_refused(rsa_key: rsa.RSAPrivateKey, signature: str) -> None:
    headers = signed_post(rsa_key) | {"Signature": signature}
    assert verify(rsa_key, headers).reason is Reason.UNPARSABLE_SIGNATURE


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ecdsa-sha256"])
def test_unsupported_algorithm_is_refused(rsa_key: rsa.RSAPrivateKey, algorithm: str) -> None:
    headers = signed_post(rsa_key)
    headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', f'"{algorithm}"')
    result = verify(rsa_key, headers)
    assert result.reason is Reason.UNSUPPORTED_ALGORITHM
    assert result.key_id == KEY_ID


def sign_only(key: rsa.RSAPrivateKey, names: list[str], **extra: int) -> dict[str, str]:
    """A POST whose signature covers only ``names`` (all headers are still sent)."""
    headers = {
        "Host": "lectern.example",
        "Date": format_http_date(NOW),
        "Digest": digest_header(BODY),
        "Content-Type": "application/activity+json",
    }
    algorithm = "hs2019" if extra else "rsa-sha256"
    headers["Signature"] = sign_headers(
        "POST",
        INBOX,
        headers,
        names,
        key_id=KEY_ID,
        private_key=key,
        algorithm=algorithm,
        **extra,
    )
    return headers


def test_post_whose_digest_is_not_signed_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "date"])
    assert verify(rsa_key, headers).reason is Reason.DIGEST_NOT_SIGNED


def test_post_whose_request_target_is_not_signed_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["host", "date", "digest"])
    assert verify(rsa_key, headers).reason is Reason.REQUEST_TARGET_NOT_SIGNED


def test_post_whose_date_is_not_signed_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "digest"])
    assert verify(rsa_key, headers).reason is Reason.DATE_NOT_SIGNED


def test_get_whose_host_is_not_signed_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = {"Date": format_http_date(NOW)}
    headers["Signature"] = sign_headers(
        "GET", INBOX, headers, ["(request-target)", "date"], key_id=KEY_ID, private_key=rsa_key
    )
    assert verify(rsa_key, headers, method="GET", body=b"").reason is Reason.HOST_NOT_SIGNED


def test_one_byte_of_body_changed_is_a_digest_mismatch(rsa_key: rsa.RSAPrivateKey) -> None:
    tampered = BODY.replace(b"Follow", b"Fellow")
    assert verify(rsa_key, signed_post(rsa_key), body=tampered).reason is Reason.DIGEST_MISMATCH


def test_body_swapped_with_a_fresh_digest_breaks_the_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    tampered = b'{"type":"Delete","actor":"https://remote.example/users/ada"}'
    headers = signed_post(rsa_key) | {"Digest": digest_header(tampered)}
    assert verify(rsa_key, headers, body=tampered).reason is Reason.INVALID_SIGNATURE


def test_signed_digest_that_is_absent_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed_post(rsa_key)
    del headers["Digest"]
    assert verify(rsa_key, headers).reason is Reason.SIGNED_HEADER_MISSING


def test_digest_with_an_unsupported_algorithm_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "date", "digest"])
    headers["Digest"] = "MD5=Sd/dVLAcvNLSq16eXua5uQ=="
    assert verify(rsa_key, headers).reason is Reason.DIGEST_UNSUPPORTED


def test_date_two_hours_old_is_expired(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, signed_post(rsa_key), now=NOW + timedelta(hours=2))
    assert (result.ok, result.reason) == (False, Reason.EXPIRED)


def test_date_an_hour_old_is_still_accepted_like_mastodon(rsa_key: rsa.RSAPrivateKey) -> None:
    assert verify(rsa_key, signed_post(rsa_key), now=NOW + timedelta(hours=1)).ok


def test_date_more_than_an_hour_ahead_is_not_yet_valid(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, signed_post(rsa_key), now=NOW - timedelta(hours=2))
    assert result.reason is Reason.NOT_YET_VALID


def test_unparsable_date_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed_post(rsa_key) | {"Date": "the day after tomorrow"}
    assert verify(rsa_key, headers).reason is Reason.INVALID_DATE


def test_date_moved_forward_after_signing_breaks_the_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed_post(rsa_key) | {"Date": format_http_date(NOW + timedelta(minutes=1))}
    assert verify(rsa_key, headers).reason is Reason.INVALID_SIGNATURE


@pytest.mark.parametrize(
    ("method", "url", "host"),
    [
        ("PUT", INBOX, "lectern.example"),
        ("POST", "https://lectern.example/users/x/inbox", "lectern.example"),
        ("POST", "https://evil.example/inbox", "evil.example"),
    ],
)
def test_altered_method_path_or_host_breaks_the_signature(
    rsa_key: rsa.RSAPrivateKey, method: str, url: str, host: str
) -> None:
    headers = signed_post(rsa_key) | {"Host": host}
    result = verify(rsa_key, headers, method=method, url=url)
    assert (result.ok, result.reason) == (False, Reason.INVALID_SIGNATURE)


def test_signature_by_another_key_is_invalid(rsa_key: rsa.RSAPrivateKey, second_rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(second_rsa_key, signed_post(rsa_key))
    assert result.reason is Reason.INVALID_SIGNATURE
    assert result.signer is None


def test_changed_query_breaks_the_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed_post(rsa_key, url=INBOX + "?page=1")
    assert verify(rsa_key, headers, url=INBOX + "?page=1").ok
    assert verify(rsa_key, headers, url=INBOX + "?page=2").reason is Reason.INVALID_SIGNATURE


def test_request_target_without_query_is_accepted_for_older_mastodon_unless_refused(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    headers = signed_post(rsa_key, url=INBOX)
    assert verify(rsa_key, headers, url=INBOX + "?page=2").ok
    strict = VerificationPolicy(accept_request_target_without_query=False)
    result = verify(rsa_key, headers, url=INBOX + "?page=2", policy=strict)
    assert result.reason is Reason.INVALID_SIGNATURE


def test_hs2019_with_an_rsa_key_verifies_as_rsassa_pkcs1_v1_5_sha256(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    headers = signed_post(rsa_key)
    headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', '"hs2019"')
    assert verify(rsa_key, headers).ok
    headers["Signature"] = headers["Signature"].replace('algorithm="hs2019",', "")
    assert verify(rsa_key, headers).ok  # hs2019 is the default


def test_hs2019_may_sign_created_instead_of_date(rsa_key: rsa.RSAPrivateKey) -> None:
    created = int(NOW.timestamp())
    headers = sign_only(rsa_key, ["(request-target)", "host", "(created)", "digest"], created=created)
    del headers["Date"]
    assert verify(rsa_key, headers).ok
    assert verify(rsa_key, headers, now=NOW + timedelta(hours=2)).reason is Reason.EXPIRED


def test_created_pseudo_header_is_refused_with_rsa_sha256(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "(created)", "digest"], created=1)
    headers["Signature"] = headers["Signature"].replace('"hs2019"', '"rsa-sha256"')
    assert verify(rsa_key, headers).reason is Reason.UNPARSABLE_SIGNATURE


def test_unsigned_created_parameter_cannot_refresh_an_old_date(rsa_key: rsa.RSAPrivateKey) -> None:
    # Mastodon reads `created` even when (created) is not signed; a replayer could add it.
    later = NOW + timedelta(hours=2)
    headers = signed_post(rsa_key)
    headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', f'"hs2019",created={int(later.timestamp())}')
    assert verify(rsa_key, headers, now=later).reason is Reason.EXPIRED


def test_signed_expires_in_the_past_is_expired(rsa_key: rsa.RSAPrivateKey) -> None:
    names = ["(request-target)", "host", "date", "digest", "(expires)"]
    expires = int((NOW - timedelta(hours=2)).timestamp())
    headers = sign_only(rsa_key, names, expires=expires)
    assert verify(rsa_key, headers).reason is Reason.EXPIRED


def test_signed_header_that_is_absent_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "date", "digest", "content-type"])
    del headers["Content-Type"]
    assert verify(rsa_key, headers).reason is Reason.SIGNED_HEADER_MISSING


def test_signature_header_parser_accepts_tokens_escapes_and_the_buggy_prefix() -> None:
    parsed = parse_signature_header('Signature keyId="a\\"b" , algorithm=hs2019,headers="date",signature="AAAA"')
    assert parsed == {"keyId": 'a"b', "algorithm": "hs2019", "headers": "date", "signature": "AAAA"}


def test_a_precomputed_digest_signs_exactly_what_sign_headers_signs(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    url = "http://127.0.0.1:8080/users/a/inbox?x=1"
    post = sign_post(url, BODY, key_id=KEY_ID, private_key=rsa_key, now=NOW, digest=digest_header(BODY))
    general = sign_headers(
        "POST",
        url,
        {key: value for key, value in post.items() if key != "Signature"},
        ("(request-target)", "host", "date", "digest", "content-type"),
        key_id=KEY_ID,
        private_key=rsa_key,
    )
    assert post["Signature"] == general  # PKCS#1 v1.5 is deterministic: same string, same signature
    assert verify(rsa_key, post, url=url).ok


def test_a_post_must_sign_host_unless_the_policy_is_mastodons(rsa_key: rsa.RSAPrivateKey) -> None:
    """Akkoma's rule by default: a POST signed without host verifies at every server that receives it."""
    headers = sign_only(rsa_key, ["(request-target)", "date", "digest"])
    assert verify(rsa_key, headers).reason is Reason.HOST_NOT_SIGNED
    assert verify(rsa_key, headers, policy=VerificationPolicy(require_host_on_post=False)).ok


@pytest.mark.parametrize("digest", ["SHA-256=éAAAA", "SHA-256=AAAA", "SHA-256", "SHA-256=not base64"])
def test_a_malformed_digest_is_digest_malformed(rsa_key: rsa.RSAPrivateKey, digest: str) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "date", "digest"])
    headers["Digest"] = digest
    assert verify(rsa_key, headers).reason is Reason.DIGEST_MALFORMED


@pytest.mark.parametrize("key_id", ["http://127.0.0.1:99999/x", "http://[::1/x", "http://a..b/x", "acct:a@b.example"])
def test_a_keyid_that_is_not_an_http_url_is_refused_before_any_lookup(rsa_key: rsa.RSAPrivateKey, key_id: str) -> None:
    headers = sign_only(rsa_key, ["(request-target)", "host", "date", "digest"])
    headers["Signature"] = headers["Signature"].replace(KEY_ID, key_id)
    assert verify(rsa_key, headers).reason is Reason.INVALID_KEY_ID
