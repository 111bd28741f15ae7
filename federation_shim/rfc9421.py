"""HTTP Message Signatures (RFC 9421), the successor of draft-cavage, for requests.

We verify what Mastodon verifies (``SignedRequest::HttpMessageSignature`` in
``app/lib/signed_request.rb``, 4.4+): ``@method`` and ``@target-uri`` signed (we also accept
``@path`` with ``@authority``), ``content-digest`` signed on POST and matching the body
(RFC 9530), a ``keyid`` parameter that is an absolute http(s) URL (``web_urls``), and the
``created`` parameter (Mastodon requires it; a signed ``date`` alone is not enough). A
``Content-Digest`` that is not a digest is ``Reason.DIGEST_MALFORMED`` (answered 400). The time
window is Mastodon's, shared with draft-cavage (see ``signature_result``). Algorithms: ``rsa-v1_5-sha256`` (the only one
Mastodon verifies) and ``ed25519`` (RFC 9421 section 3.3.6); with no ``alg`` parameter the key's
type decides, as RFC 9421 section 3.2 allows.

Covered components may be the derived components ``@method @target-uri @authority @scheme
@request-target @path @query`` (section 2.2) and header fields without parameters. When a
request carries several signatures, the first label present in both ``Signature-Input`` and
``Signature`` is verified. The signer exists for tests: we deliver with draft-cavage, which
every fediverse server still accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from .digests import check_content_digest, content_digest_header, digest_reason
from .http_dates import format_http_date, parse_http_date
from .keys import PublicKey
from .request_view import TargetURI, lowercase_headers
from .signature_result import (
    PendingSignature,
    Reason,
    VerificationPolicy,
    VerificationResult,
    check_time_window,
)
from .structured_fields import (
    BareItem,
    InnerList,
    Item,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)
from .web_urls import authority_of

__all__ = ["ALGORITHMS", "DERIVED_COMPONENTS", "prepare", "sign_request"]

SCHEME = "rfc9421"
ALGORITHMS = frozenset({"rsa-v1_5-sha256", "ed25519"})
DERIVED_COMPONENTS = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class _BaseError(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _component_value(name: str, method: str, target: TargetURI, headers: Mapping[str, str]) -> str:
    derived = {
        "@method": method,
        "@target-uri": target.uri,
        "@authority": target.authority,
        "@scheme": target.scheme,
        "@request-target": target.request_target,
        "@path": target.path,
        "@query": f"?{target.query or ''}",
    }
    if name.startswith("@"):
        if name not in derived:
            raise _BaseError(Reason.UNSUPPORTED_COMPONENT, f"component {name} is not supported")
        return derived[name]
    if name not in headers:
        raise _BaseError(Reason.SIGNED_HEADER_MISSING, f"{name} is signed but absent")
    return headers[name]


def _signature_base(method: str, target: TargetURI, headers: Mapping[str, str], signature_input: InnerList) -> bytes:
    """The signature base (RFC 9421 section 2.5) for ``signature_input``.

    ``headers`` must have lower-case names. Raises ``_BaseError`` for a component we cannot
    produce.
    """
    lines = []
    for component in signature_input.items:
        name = component.value
        assert isinstance(name, str)
        value = _component_value(name, method, target, headers)
        if "\n" in value or "\r" in value:
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"{name} value contains a newline")
        lines.append(f"{serialize_item(component)}: {value}")
    lines.append(f'"@signature-params": {serialize_inner_list(signature_input)}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as error:
        raise _BaseError(Reason.UNPARSABLE_SIGNATURE, "signature base is not ASCII") from error


def sign_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: RSAPrivateKey | Ed25519PrivateKey,
    components: Sequence[str] | None = None,
    now: datetime | None = None,
    include_created: bool = True,
    expires: int | None = None,
    include_alg: bool = True,
    label: str = "sig1",
) -> dict[str, str]:
    """Headers to add for an RFC 9421 signature: Signature-Input and Signature, plus Date and
    Content-Digest when they are covered and not already in ``headers``.

    Default components: ``"@method" "@target-uri" "content-digest" "date"`` with a body,
    ``"@method" "@target-uri" "date"`` without. ``alg`` is ``rsa-v1_5-sha256`` or ``ed25519``
    according to the key.
    """
    moment = now or datetime.now(UTC)
    if components is None:
        components = ("@method", "@target-uri", "date")
        if body is not None:
            components = ("@method", "@target-uri", "content-digest", "date")
    added: dict[str, str] = {}
    all_headers = lowercase_headers(headers)
    if "date" in components and "date" not in all_headers:
        added["Date"] = all_headers["date"] = format_http_date(moment)
    if "content-digest" in components and "content-digest" not in all_headers:
        added["Content-Digest"] = all_headers["content-digest"] = content_digest_header(body or b"")
    params: dict[str, BareItem] = {}
    if include_created:
        params["created"] = int(moment.timestamp())
    if expires is not None:
        params["expires"] = expires
    params["keyid"] = key_id
    is_ed25519 = isinstance(private_key, Ed25519PrivateKey)
    if include_alg:
        params["alg"] = "ed25519" if is_ed25519 else "rsa-v1_5-sha256"
    signature_input = InnerList(tuple(Item(c) for c in components), params)
    base = _signature_base(method.upper(), TargetURI.parse(url), all_headers, signature_input)
    if isinstance(private_key, Ed25519PrivateKey):
        raw = private_key.sign(base)
    else:
        raw = private_key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    added["Signature-Input"] = f"{label}={serialize_inner_list(signature_input)}"
    added["Signature"] = f"{label}={serialize_item(Item(raw))}"
    return added


def _check_components(signature_input: InnerList) -> set[str]:
    names: set[str] = set()
    for component in signature_input.items:
        name = component.value
        if not isinstance(name, str) or name != name.lower() or not name:
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"component {name!r} is not a lower-case string")
        if component.params:
            raise _BaseError(Reason.UNSUPPORTED_COMPONENT, f"component parameters on {name} are not supported")
        if name in names or name == "@signature-params":
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"component {name} is covered twice")
        if name.startswith("@") and name not in DERIVED_COMPONENTS:
            raise _BaseError(Reason.UNSUPPORTED_COMPONENT, f"component {name} is not supported")
        names.add(name)
    return names


def _select(headers: Mapping[str, str]) -> tuple[InnerList, bytes]:
    try:
        inputs = parse_dictionary(headers["signature-input"])
        signatures = parse_dictionary(headers.get("signature", ""))
    except StructuredFieldError as error:
        raise _BaseError(Reason.UNPARSABLE_SIGNATURE, str(error)) from error
    for label, signature_input in inputs.items():
        if label not in signatures:
            continue
        signature = signatures[label]
        if not isinstance(signature_input, InnerList):
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"Signature-Input {label} not a list")
        if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"Signature {label} not a byte sequence")
        return signature_input, signature.value
    raise _BaseError(Reason.UNPARSABLE_SIGNATURE, "no label in both Signature-Input and Signature")


def prepare(
    method: str,
    target: TargetURI,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    policy: VerificationPolicy,
) -> PendingSignature | VerificationResult:
    """Run every check that needs no key; ``headers`` must have lower-case names."""
    key_id: str | None = None
    try:
        signature_input, signature = _select(headers)
        params = signature_input.params
        raw_key_id = params.get("keyid")
        if not isinstance(raw_key_id, str) or not raw_key_id:
            raise _BaseError(Reason.UNPARSABLE_SIGNATURE, "keyid parameter is required")
        key_id = raw_key_id
        try:
            authority_of(key_id)
        except ValueError as error:
            raise _BaseError(Reason.INVALID_KEY_ID, f"keyid: {error}") from None
        for name in ("created", "expires"):
            if name in params and (not isinstance(params[name], int) or isinstance(params[name], bool)):
                raise _BaseError(Reason.UNPARSABLE_SIGNATURE, f"{name} must be an integer")
        alg = params.get("alg")
        if alg is not None and alg not in ALGORITHMS:
            raise _BaseError(
                Reason.UNSUPPORTED_ALGORITHM,
                f"alg {alg!r} is not supported (only rsa-v1_5-sha256 and ed25519)",
            )
        covered = _check_components(signature_input)
        _check_strength(method.upper(), covered, "created" in params, body, policy)
        created, expires = _times(params, headers)
        window = check_time_window(created, expires, now, policy)
        if window is not None:
            raise _BaseError(*window)
        if "content-digest" in covered:
            _check_body(headers, body)
        base = _signature_base(method.upper(), target, headers, signature_input)
    except _BaseError as error:
        return VerificationResult.failure(error.reason, error.detail, key_id=key_id, scheme=SCHEME)

    def check(public_key: PublicKey) -> Reason | None:
        is_ed25519 = isinstance(public_key, Ed25519PublicKey)
        if alg is not None and (alg == "ed25519") != is_ed25519:
            return Reason.UNSUPPORTED_ALGORITHM
        try:
            if isinstance(public_key, Ed25519PublicKey):
                public_key.verify(signature, base)
            else:
                public_key.verify(signature, base, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return Reason.INVALID_SIGNATURE
        return None

    return PendingSignature(SCHEME, key_id, check)


def _check_strength(method: str, covered: set[str], has_created: bool, body: bytes, policy: VerificationPolicy) -> None:
    if "@method" not in covered:
        raise _BaseError(Reason.REQUEST_TARGET_NOT_SIGNED, "@method must be signed")
    if "@target-uri" not in covered and not {"@path", "@authority"} <= covered:
        raise _BaseError(Reason.REQUEST_TARGET_NOT_SIGNED, "@target-uri (or @path and @authority) must be signed")
    if not has_created:
        raise _BaseError(Reason.DATE_NOT_SIGNED, "the created parameter is required")
    if "content-digest" not in covered and (method in _METHODS_WITH_BODY or body):
        raise _BaseError(Reason.DIGEST_NOT_SIGNED, f"content-digest must be signed on {method}")


def _times(params: Mapping[str, BareItem], headers: Mapping[str, str]) -> tuple[datetime, datetime | None]:
    try:
        expires_at = params.get("expires")
        expires = datetime.fromtimestamp(expires_at, UTC) if isinstance(expires_at, int) else None
        created_at = params.get("created")
        if isinstance(created_at, int):
            return datetime.fromtimestamp(created_at, UTC), expires
    except (OverflowError, OSError, ValueError) as error:
        raise _BaseError(Reason.INVALID_DATE, f"created/expires out of range: {error}") from error
    if "date" not in headers:
        raise _BaseError(Reason.SIGNED_HEADER_MISSING, "date is signed but absent")
    try:
        return parse_http_date(headers["date"]), expires
    except ValueError as error:
        raise _BaseError(Reason.INVALID_DATE, str(error)) from error


def _check_body(headers: Mapping[str, str], body: bytes) -> None:
    if "content-digest" not in headers:
        raise _BaseError(Reason.SIGNED_HEADER_MISSING, "content-digest is signed but absent")
    digest = check_content_digest(headers["content-digest"], body)
    if not digest.ok:
        raise _BaseError(digest_reason(digest.problem), digest.detail)
