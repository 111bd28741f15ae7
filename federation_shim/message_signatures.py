"""RFC 9421 HTTP Message Signatures with Ed25519 between two parties that exchanged keys beforehand, for requests
*and responses*, as the Fediverse Auxiliary Service Provider protocol uses them (FASP v0.1 `general/v0.1/
protocol_basics.md` in mastodon/fediverse_auxiliary_service_provider_specifications; Mastodon's side is
`app/lib/fasp/request.rb`, which signs `@method @target-uri content-digest` with Linzer and checks the
`content-digest` and the signature of every response).

Unlike an inbox's signatures (``rfc9421``), the ``keyid`` is an opaque identifier agreed at registration, not a URL,
and the caller passes the public key it stored for it. A request covers ``"@method" "@target-uri"
"content-digest"``; a response covers ``"@status" "content-digest"`` (RFC 9421 section 2.2.9). Every message
carries a ``Content-Digest`` (RFC 9530, sha-256), also over an empty body. Verification returns a ``MessageCheck``
with a reason instead of raising.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .digests import check_content_digest, content_digest_header
from .request_view import TargetURI, lowercase_headers
from .structured_fields import (
    InnerList,
    Item,
    Params,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

__all__ = [
    "REQUEST_COMPONENTS",
    "RESPONSE_COMPONENTS",
    "MessageCheck",
    "ed25519_public_key_from_base64",
    "ed25519_public_key_to_base64",
    "sign_message_ed25519",
    "verify_message_ed25519",
    "verify_response_ed25519",
]

REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest")
RESPONSE_COMPONENTS = ("@status", "content-digest")
MAX_SKEW_SECONDS = 300


@dataclass(frozen=True)
class MessageCheck:
    """The outcome of `verify_message_ed25519`: `ok`, else a short `reason` (`no_signature`, `unparsable_signature`,
    `unknown_key`, `digest_missing`, `digest_mismatch`, `components_missing`, `expired`, `invalid_signature`) and a
    `detail` for the log and the 401 body; `key_id` is the keyid the message named (for the caller's lookup)."""

    ok: bool
    reason: str = ""
    detail: str = ""
    key_id: str = ""


def ed25519_public_key_to_base64(key: Ed25519PublicKey) -> str:
    """The raw 32 bytes, base64: how FASP registration exchanges public keys."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def ed25519_public_key_from_base64(text: str) -> Ed25519PublicKey:
    """Raises ValueError for anything but the base64 of 32 bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as error:
        raise ValueError("the public key is not base64") from error
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def _component(name: str, method: str, target: str, status: int | None, headers: Mapping[str, str]) -> str:
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return TargetURI.parse(target).uri
    if name == "@status":
        return str(status)
    if name.startswith("@") or name not in headers:
        raise KeyError(name)
    return headers[name]


def _base(
    signature_input: InnerList, method: str, target: str, status: int | None, headers: Mapping[str, str]
) -> bytes:
    lines = []
    for item in signature_input.items:
        name = str(item.value)
        lines.append(f"{serialize_item(item)}: {_component(name, method, target, status, headers)}")
    lines.append(f'"@signature-params": {serialize_inner_list(signature_input)}')
    return "\n".join(lines).encode("utf-8")


def sign_message_ed25519(
    *,
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    method: str = "",
    target_uri: str = "",
    status: int | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to add to a request (give `method` and `target_uri`) or a response (give `status`):
    Content-Digest, Signature-Input and Signature. An empty `key_id` leaves the keyid out (as Mastodon signs its
    answers; a request needs one)."""
    components = RESPONSE_COMPONENTS if status is not None else REQUEST_COMPONENTS
    digest = content_digest_header(body)
    created = int((now or datetime.now(UTC)).timestamp())
    params: Params = {"created": created}
    if key_id:
        params["keyid"] = key_id
    signature_input = InnerList(tuple(Item(c) for c in components), params)
    base = _base(signature_input, method, target_uri, status, {"content-digest": digest})
    signature = private_key.sign(base)
    return {
        "Content-Digest": digest,
        "Signature-Input": f"sig1={serialize_inner_list(signature_input)}",
        "Signature": f"sig1={serialize_item(Item(signature))}",
    }


def _selected(headers: Mapping[str, str]) -> tuple[InnerList, bytes]:
    inputs = parse_dictionary(headers["signature-input"])
    signatures = parse_dictionary(headers.get("signature", ""))
    for label, signature_input in inputs.items():
        signature = signatures.get(label)
        if (
            isinstance(signature_input, InnerList)
            and isinstance(signature, Item)
            and isinstance(signature.value, bytes)
        ):
            return signature_input, signature.value
    raise StructuredFieldError("no label with both a Signature-Input list and a Signature byte sequence")


def verify_message_ed25519(
    *,
    headers: Mapping[str, str],
    body: bytes,
    key_for: Mapping[str, Ed25519PublicKey],
    method: str = "",
    target_uri: str = "",
    status: int | None = None,
    now: datetime | None = None,
) -> MessageCheck:
    """Check a request (`method`, `target_uri`) or a response (`status`) against the key registered for its keyid
    (`key_for`). `headers` may use any case."""
    return _verify(headers, body, key_for, None, method, target_uri, status, now)


def verify_response_ed25519(
    *, headers: Mapping[str, str], body: bytes, key: Ed25519PublicKey, status: int, now: datetime | None = None
) -> MessageCheck:
    """Check the answer to a request this side made, with the key of the party it called: the caller knows whom it
    asked, so a keyid is not needed (Mastodon signs its FASP answers without one, `Api::Fasp::BaseController
    #sign_response`, and checks a provider's answers the same way, `Fasp::Request#validate!`)."""
    return _verify(headers, body, {}, key, "", "", status, now)


def _verify(
    headers: Mapping[str, str],
    body: bytes,
    key_for: Mapping[str, Ed25519PublicKey],
    known_key: Ed25519PublicKey | None,
    method: str,
    target_uri: str,
    status: int | None,
    now: datetime | None,
) -> MessageCheck:
    lowered = lowercase_headers(headers)
    if "signature-input" not in lowered:
        return MessageCheck(False, "no_signature", "the message carries no Signature-Input (RFC 9421)")
    try:
        signature_input, signature = _selected(lowered)
    except StructuredFieldError as error:
        return MessageCheck(False, "unparsable_signature", str(error))
    raw_key_id = signature_input.params.get("keyid")
    key_id = raw_key_id if isinstance(raw_key_id, str) else ""
    key = known_key
    if key is None:
        if not key_id:
            return MessageCheck(False, "unparsable_signature", "the keyid parameter is required")
        key = key_for.get(key_id)
        if key is None:
            return MessageCheck(False, "unknown_key", f"no key is registered as {key_id!r}", key_id)
    covered = {str(item.value) for item in signature_input.items}
    needed = set(RESPONSE_COMPONENTS if status is not None else REQUEST_COMPONENTS)
    if not needed <= covered:
        missing = " ".join(sorted(needed - covered))
        return MessageCheck(False, "components_missing", f"the signature must cover {missing}", key_id)
    if "content-digest" not in lowered:
        return MessageCheck(False, "digest_missing", "Content-Digest (RFC 9530, sha-256) is required", key_id)
    digest = check_content_digest(lowered["content-digest"], body)
    if not digest.ok:
        return MessageCheck(False, "digest_mismatch", digest.detail, key_id)
    created = signature_input.params.get("created")
    moment = (now or datetime.now(UTC)).timestamp()
    if not isinstance(created, int) or isinstance(created, bool) or abs(moment - created) > MAX_SKEW_SECONDS:
        return MessageCheck(False, "expired", f"created must be within {MAX_SKEW_SECONDS} s of now", key_id)
    try:
        key.verify(signature, _base(signature_input, method, target_uri, status, lowered))
    except KeyError as error:
        return MessageCheck(False, "components_missing", f"component {error} cannot be produced", key_id)
    except (InvalidSignature, ValueError) as error:
        return MessageCheck(False, "invalid_signature", f"the signature does not verify ({error or 'Ed25519'})", key_id)
    return MessageCheck(True, "", "verified", key_id)
