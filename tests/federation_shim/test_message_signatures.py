"""Ed25519 RFC 9421 signatures of requests and responses with an agreed keyid (`message_signatures`), as FASP v0.1
uses them (`general/v0.1/protocol_basics.md`: requests cover `@method @target-uri content-digest`, responses
`@status content-digest`). The signature base is checked as RFC 9421 section 2.5 writes it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lectern.federation_shim import (
    content_digest_header,
    ed25519_public_key_from_base64,
    ed25519_public_key_to_base64,
    sign_message_ed25519,
    verify_message_ed25519,
)

URL = "https://fasp.example/account_search/v0/search?term=teapot"
KEY = Ed25519PrivateKey.generate()
KEYS = {"b2ks6vm8p23w": KEY.public_key()}


def signed_request(body: bytes = b"") -> dict[str, str]:
    return sign_message_ed25519(body=body, key_id="b2ks6vm8p23w", private_key=KEY, method="GET", target_uri=URL)


def test_a_signed_request_verifies_and_names_its_key() -> None:
    headers = signed_request()
    assert headers["Content-Digest"] == content_digest_header(b"")
    assert headers["Signature-Input"].startswith('sig1=("@method" "@target-uri" "content-digest");created=')
    check = verify_message_ed25519(headers=headers, body=b"", key_for=KEYS, method="GET", target_uri=URL)
    assert check.ok and check.key_id == "b2ks6vm8p23w"


def test_the_signature_base_is_rfc_9421s() -> None:
    now = datetime(2024, 10, 9, 9, 48, 5, tzinfo=UTC)
    headers = sign_message_ed25519(body=b"", key_id="k", private_key=KEY, method="post", target_uri=URL, now=now)
    created = int(now.timestamp())
    base = (
        f'"@method": POST\n"@target-uri": {URL}\n"content-digest": {content_digest_header(b"")}\n'
        f'"@signature-params": ("@method" "@target-uri" "content-digest");created={created};keyid="k"'
    ).encode()
    raw = base64.b64decode(headers["Signature"].removeprefix("sig1=:").removesuffix(":"))
    KEY.public_key().verify(raw, base)  # raises if the base differs


def test_another_method_uri_or_body_does_not_verify() -> None:
    headers = signed_request()
    assert verify_message_ed25519(headers=headers, body=b"", key_for=KEYS, method="POST", target_uri=URL).reason == (
        "invalid_signature"
    )
    other = URL.replace("teapot", "kettle")
    assert verify_message_ed25519(headers=headers, body=b"", key_for=KEYS, method="GET", target_uri=other).reason == (
        "invalid_signature"
    )
    assert verify_message_ed25519(headers=headers, body=b"x", key_for=KEYS, method="GET", target_uri=URL).reason == (
        "digest_mismatch"
    )


def test_a_response_covers_its_status() -> None:
    body = b'["https://fedi.example.com/actor/23"]'
    headers = sign_message_ed25519(body=body, key_id="fasp", private_key=KEY, status=200)
    keys = {"fasp": KEY.public_key()}
    assert verify_message_ed25519(headers=headers, body=body, key_for=keys, status=200).ok
    assert verify_message_ed25519(headers=headers, body=body, key_for=keys, status=201).reason == "invalid_signature"
    as_request = verify_message_ed25519(headers=headers, body=body, key_for=keys, method="GET", target_uri=URL)
    assert as_request.reason == "components_missing"


def test_unsigned_unknown_key_stale_and_garbled_are_reasons() -> None:
    def reason(headers: dict[str, str], keys: dict[str, Ed25519PublicKey] = KEYS) -> str:
        return verify_message_ed25519(headers=headers, body=b"", key_for=keys, method="GET", target_uri=URL).reason

    assert reason({}) == "no_signature"
    assert reason(signed_request(), {}) == "unknown_key"
    assert reason({**signed_request(), "Signature-Input": "sig1=???"}) == "unparsable_signature"
    assert reason({**signed_request(), "Signature": "sig1=:AAAA:"}) == "invalid_signature"
    without_digest = {k: v for k, v in signed_request().items() if k != "Content-Digest"}
    assert reason(without_digest) == "digest_missing"
    old = sign_message_ed25519(
        body=b"", key_id="b2ks6vm8p23w", private_key=KEY, method="GET", target_uri=URL,
        now=datetime.now(UTC) - timedelta(hours=1),
    )  # fmt: skip
    assert reason(old) == "expired"


def test_public_keys_travel_as_base64_of_32_bytes() -> None:
    text = ed25519_public_key_to_base64(KEY.public_key())
    assert ed25519_public_key_from_base64(text) == KEY.public_key()
    for bad in ("not base64!", "AAAA"):
        try:
            ed25519_public_key_from_base64(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
