"""Examples of HTTP Message Signatures (RFC 9421): the RFC's own vector, round trips with an
independent implementation, and every request we refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from lectern.federation_shim.http_signatures import Reason, VerificationResult, verify_request
from lectern.federation_shim.keys import KeyLookupFailure, PublicKey, PublicKeyInfo
from lectern.federation_shim.rfc9421 import sign_request

KEY_ID = "https://remote.example/users/ada#main-key"
ACTOR = "https://remote.example/users/ada"
INBOX = "https://lectern.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/ada"}'
NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)

# RFC 9421 appendix B.1.4 (test-key-ed25519) and B.2 (the test request).
RFC_ED25519_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_REQUEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNy"
    "ealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}


def verify(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    now: datetime = NOW,
) -> VerificationResult:
    public_key: PublicKey = key.public_key()

    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo | KeyLookupFailure:
        return PublicKeyInfo(KEY_ID, ACTOR, public_key, from_cache=False)

    return asyncio.run(
        verify_request(method=method, target_uri=url, headers=headers, body=body, now=now, key_lookup=lookup)
    )


def signed(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes | None = BODY,
    components: Sequence[str] | None = None,
    **options: Any,
) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return headers | sign_request(
        method,
        url,
        headers=headers,
        body=body,
        key_id=KEY_ID,
        private_key=key,
        components=components,
        now=NOW,
        **options,
    )


def test_signing_reproduces_the_ed25519_example_of_rfc_9421() -> None:
    key = load_pem_private_key(RFC_ED25519_PRIVATE, None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    added = sign_request(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        headers=RFC_REQUEST_HEADERS,
        body=b'{"hello": "world"}',
        key_id="test-key-ed25519",
        private_key=key,
        components=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        now=datetime.fromtimestamp(1618884473, UTC),
        include_alg=False,
        label="sig-b26",
    )
    assert added["Signature-Input"] == (
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"'
    )
    assert added["Signature"] == (
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
    )


def test_signed_post_verifies_with_the_components_mastodon_requires(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    headers = signed(rsa_key)
    assert headers["Signature-Input"].startswith('sig1=("@method" "@target-uri" "content-digest" "date");created=')
    assert 'alg="rsa-v1_5-sha256"' in headers["Signature-Input"]
    result = verify(rsa_key, headers)
    assert result.ok, result.detail
    assert (result.scheme, result.signer, result.key_id) == ("rfc9421", ACTOR, KEY_ID)


def test_signed_get_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    url = "https://lectern.example/users/x/outbox?page=1"
    headers = signed(rsa_key, method="GET", url=url, body=None)
    assert "content-digest" not in headers["Signature-Input"]
    assert verify(rsa_key, headers, method="GET", url=url, body=b"").ok


def test_ed25519_signatures_verify_with_or_without_alg(
    ed25519_key: ed25519.Ed25519PrivateKey,
) -> None:
    assert verify(ed25519_key, signed(ed25519_key)).ok
    assert verify(ed25519_key, signed(ed25519_key, include_alg=False)).ok


@dataclass
class _Message:
    """What http_message_signatures needs of a request."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def test_independent_library_verifies_our_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    hms = pytest.importorskip("http_message_signatures")
    resolver = hms.MappingKeyResolver(public_keys={KEY_ID: rsa_key.public_key()}, private_keys={})
    verifier = hms.HTTPMessageVerifier(signature_algorithm=hms.algorithms.RSA_V1_5_SHA256, key_resolver=resolver)
    message = _Message("POST", INBOX, signed(rsa_key))
    [result] = verifier.verify(message, body=BODY, max_age=None)
    assert result.parameters["keyid"] == KEY_ID


def test_we_verify_a_signature_made_by_an_independent_library(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    hms = pytest.importorskip("http_message_signatures")
    resolver = hms.MappingKeyResolver(public_keys={}, private_keys={KEY_ID: rsa_key})
    signer = hms.HTTPMessageSigner(signature_algorithm=hms.algorithms.RSA_V1_5_SHA256, key_resolver=resolver)
    message = _Message("POST", INBOX, {"Date": "Tue, 25 Nov 2025 12:00:00 GMT"})
    signer.sign(
        message,
        key_id=KEY_ID,
        created=NOW,
        body=BODY,
        covered_component_ids=("@method", "@target-uri", "content-digest", "date"),
    )
    assert verify(rsa_key, message.headers).ok


def test_signature_input_without_signature_is_unparsable(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key)
    del headers["Signature"]
    assert verify(rsa_key, headers).reason is Reason.UNPARSABLE_SIGNATURE


@pytest.mark.parametrize(
    ("header", "replace", "by"),
    [
        ("Signature", "sig1=", "other="),  # no label in both headers
        ("Signature", "sig1=:", "sig1=:!"),  # not base64
        ("Signature-Input", ";keyid=", ";nokeyid="),  # keyid is required
        ("Signature-Input", ";created=", ";created=?1;x="),  # created must be an integer
        ("Signature-Input", '"@method"', '"@method" "@method"'),  # covered twice
        ("Signature-Input", '"@method"', "@method"),  # not a string (an invalid token)
    ],
)
def test_malformed_signature_headers_are_unparsable(
    rsa_key: rsa.RSAPrivateKey, header: str, replace: str, by: str
) -> None:
    headers = signed(rsa_key)
    headers[header] = headers[header].replace(replace, by, 1)
    assert verify(rsa_key, headers).reason is Reason.UNPARSABLE_SIGNATURE


@pytest.mark.parametrize("alg", ["hmac-sha256", "rsa-pss-sha512", "ecdsa-p256-sha256"])
def test_unsupported_alg_is_refused(rsa_key: rsa.RSAPrivateKey, alg: str) -> None:
    headers = signed(rsa_key)
    headers["Signature-Input"] = headers["Signature-Input"].replace("rsa-v1_5-sha256", alg)
    assert verify(rsa_key, headers).reason is Reason.UNSUPPORTED_ALGORITHM


def test_alg_that_does_not_fit_the_key_is_refused(
    rsa_key: rsa.RSAPrivateKey, ed25519_key: ed25519.Ed25519PrivateKey
) -> None:
    headers = signed(ed25519_key)  # alg="ed25519", but the actor's key is RSA
    assert verify(rsa_key, headers).reason is Reason.UNSUPPORTED_ALGORITHM


@pytest.mark.parametrize(
    "components",
    [("@target-uri", "content-digest", "date"), ("@method", "content-digest", "date")],
)
def test_method_and_target_must_be_signed(rsa_key: rsa.RSAPrivateKey, components: tuple[str, ...]) -> None:
    headers = signed(rsa_key, components=components)
    assert verify(rsa_key, headers).reason is Reason.REQUEST_TARGET_NOT_SIGNED


def test_path_with_authority_may_replace_target_uri(rsa_key: rsa.RSAPrivateKey) -> None:
    components = ("@method", "@path", "@authority", "content-digest")
    assert verify(rsa_key, signed(rsa_key, components=components)).ok
    only_path = ("@method", "@path", "content-digest")
    result = verify(rsa_key, signed(rsa_key, components=only_path))
    assert result.reason is Reason.REQUEST_TARGET_NOT_SIGNED


def test_post_whose_content_digest_is_not_signed_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key, components=("@method", "@target-uri", "date"))
    assert verify(rsa_key, headers).reason is Reason.DIGEST_NOT_SIGNED


def test_one_byte_of_body_changed_is_a_digest_mismatch(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, signed(rsa_key), body=BODY.replace(b"Follow", b"Fellow"))
    assert result.reason is Reason.DIGEST_MISMATCH


def test_signature_without_created_is_refused_even_with_a_signed_date(rsa_key: rsa.RSAPrivateKey) -> None:
    """Mastodon requires the created parameter (SignedRequest::HttpMessageSignature, app/lib/signed_request.rb)."""
    assert verify(rsa_key, signed(rsa_key, include_created=False)).reason is Reason.DATE_NOT_SIGNED  # date covered
    headers = signed(rsa_key, include_created=False, components=("@method", "@target-uri", "content-digest"))
    assert verify(rsa_key, headers).reason is Reason.DATE_NOT_SIGNED


def test_created_two_hours_old_is_expired(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify(rsa_key, signed(rsa_key), now=NOW + timedelta(hours=2))
    assert result.reason is Reason.EXPIRED


def test_passed_expires_is_expired(rsa_key: rsa.RSAPrivateKey) -> None:
    expires = int((NOW - timedelta(hours=1, minutes=1)).timestamp())
    assert verify(rsa_key, signed(rsa_key, expires=expires)).reason is Reason.EXPIRED


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PUT", INBOX),
        ("POST", "https://lectern.example/users/x/inbox"),
        ("POST", INBOX + "?x=1"),
        ("POST", "https://evil.example/inbox"),
        ("POST", "http://lectern.example/inbox"),
    ],
)
def test_altered_method_path_query_host_or_scheme_breaks_the_signature(
    rsa_key: rsa.RSAPrivateKey, method: str, url: str
) -> None:
    result = verify(rsa_key, signed(rsa_key), method=method, url=url)
    assert result.reason is Reason.INVALID_SIGNATURE


def test_changed_covered_header_breaks_the_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key, components=("@method", "@target-uri", "content-digest", "date", "content-type"))
    headers["Content-Type"] = "text/plain"
    assert verify(rsa_key, headers).reason is Reason.INVALID_SIGNATURE


@pytest.mark.parametrize("component", ['"content-type";sf', '"@query-param";name="x"', '"@status"', '"@unknown"'])
def test_components_we_do_not_support_are_refused(rsa_key: rsa.RSAPrivateKey, component: str) -> None:
    headers = signed(rsa_key)
    headers["Signature-Input"] = headers["Signature-Input"].replace('"date"', f'"date" {component}')
    assert verify(rsa_key, headers).reason is Reason.UNSUPPORTED_COMPONENT


def test_covered_header_that_is_absent_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key)
    del headers["Content-Digest"]
    assert verify(rsa_key, headers).reason is Reason.SIGNED_HEADER_MISSING


def test_first_label_present_in_both_headers_is_the_one_verified(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    headers = signed(rsa_key)
    headers["Signature-Input"] = 'proxy=("@method");keyid="x", ' + headers["Signature-Input"]
    assert verify(rsa_key, headers).ok


@pytest.mark.parametrize("value", ["sha-256=:not base64:", "sha-256=:AAAA:", "sha-256=12", "((", "sha-256=:éA:"])
def test_a_malformed_content_digest_is_digest_malformed(rsa_key: rsa.RSAPrivateKey, value: str) -> None:
    headers = dict(signed(rsa_key))
    headers["Content-Digest"] = value
    assert verify(rsa_key, headers).reason is Reason.DIGEST_MALFORMED
