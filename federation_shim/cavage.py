"""HTTP Signatures as the fediverse uses them: draft-cavage-http-signatures-12.

Signing: ``rsa-sha256`` (RSASSA-PKCS1-v1_5 with SHA-256) over ``(request-target) host date
digest content-type`` for POST and ``(request-target) host date accept`` for GET, the headers
Mastodon signs (``app/lib/request.rb``, ``app/lib/http_signature_draft.rb``).

Verification follows Mastodon's ``SignedRequest::HttpSignature`` (``app/lib/signed_request.rb``)
with deliberate differences, all stricter:

* ``(request-target)`` must be signed (Mastodon accepts ``digest`` instead).
* ``host`` must be signed on every method (Mastodon requires it on GET only; Akkoma on every request), or a POST
  signed for another server could be replayed here.
* ``keyId`` must be an absolute http(s) URL (``web_urls``), checked before any fetch.
* ``created``/``expires`` parameters only count when ``(created)``/``(expires)`` are signed;
  Mastodon reads them unsigned, which lets a replayer move a signed ``Date`` forward.
* A signed header that is absent fails, instead of being signed as an empty value.

As in Mastodon: ``algorithm`` defaults to ``hs2019``; ``hs2019`` with an RSA key means
RSASSA-PKCS1-v1_5 with SHA-256 (Mastodon verifies every signature with ``OpenSSL::Digest
SHA256``); ``headers`` defaults to ``(created)`` for hs2019 and ``date`` otherwise; POST must sign
``digest``, which must match the body; ``(created)``/``(expires)`` are
only valid with hs2019; and ``(request-target)`` is tried with the query string, then without
it (older Mastodon signed the path only; ``VerificationPolicy.accept_request_target_without_query``
turns that off).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from .digests import check_digest, digest_header, digest_reason
from .http_dates import current_http_date, format_http_date, parse_http_date
from .keys import PublicKey
from .media_types import ACCEPT_ACTIVITYPUB, ACTIVITY_JSON
from .request_view import TargetURI, lowercase_headers
from .signature_result import (
    PendingSignature,
    Reason,
    VerificationPolicy,
    VerificationResult,
    check_time_window,
)
from .web_urls import authority_of

__all__ = [
    "GET_SIGNED_HEADERS",
    "POST_SIGNED_HEADERS",
    "SIGNATURE_ALGORITHMS",
    "parse_signature_header",
    "prepare",
    "sign_get",
    "sign_headers",
    "sign_post",
]

SCHEME = "cavage"
SIGNATURE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
POST_SIGNED_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
GET_SIGNED_HEADERS = ("(request-target)", "host", "date", "accept")
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


class _MissingHeader(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _signing_string(
    method: str,
    target: TargetURI,
    headers: Mapping[str, str],
    signed: Sequence[str],
    params: Mapping[str, str],
    *,
    with_query: bool = True,
) -> bytes:
    lines = []
    for name in signed:
        if name == "(request-target)":
            path = target.request_target if with_query else target.path
            value = f"{method.lower()} {path}"
        elif name in ("(created)", "(expires)"):
            value = params[name[1:-1]]
        elif name in headers:
            value = headers[name]
        elif name == "host":
            value = target.authority
        else:
            raise _MissingHeader(name)
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sign_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    *,
    key_id: str,
    private_key: RSAPrivateKey | Ed25519PrivateKey,
    algorithm: str = "rsa-sha256",
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The ``Signature`` header value signing ``signed_headers`` of this request.

    ``headers`` must hold the values of every signed header (``host`` may be left out: it is
    derived from ``url``). The low-level building block; deliveries use :func:`sign_post` and
    :func:`sign_get`, tests use it to forge requests that sign too little.
    """
    target = TargetURI.parse(url)
    names = [name.lower() for name in signed_headers]
    params: dict[str, str] = {}
    if created is not None:
        params["created"] = str(created)
    if expires is not None:
        params["expires"] = str(expires)
    string = _signing_string(method, target, lowercase_headers(headers), names, params)
    if isinstance(private_key, Ed25519PrivateKey):
        if algorithm != "hs2019":
            raise ValueError("Ed25519 keys can only sign with algorithm hs2019")
        raw = private_key.sign(string)
    else:
        raw = private_key.sign(string, _PKCS1V15, _SHA256)
    parts = [f"keyId={_quote(key_id)}", f"algorithm={_quote(algorithm)}"]
    parts += [f"{name}={value}" for name, value in params.items()]
    parts += [f"headers={_quote(' '.join(names))}"]
    parts += [f"signature={_quote(base64.b64encode(raw).decode('ascii'))}"]
    return ",".join(parts)


def sign_post(
    url: str,
    body: bytes,
    *,
    key_id: str,
    private_key: RSAPrivateKey,
    content_type: str = ACTIVITY_JSON,
    now: datetime | None = None,
    digest: str | None = None,
) -> dict[str, str]:
    """Headers to add to a POST of ``body`` to ``url``: Host, Date, Digest, Content-Type,
    Signature (rsa-sha256 over ``(request-target) host date digest content-type``).

    ``digest`` is ``digest_header(body)`` when the caller already has it (a delivery sends one body to many
    inboxes)."""
    headers = {
        "Host": TargetURI.parse(url).authority,
        "Date": format_http_date(now) if now is not None else current_http_date(),
        "Digest": digest or digest_header(body),
        "Content-Type": content_type,
    }
    headers["Signature"] = sign_headers(
        "POST", url, headers, POST_SIGNED_HEADERS, key_id=key_id, private_key=private_key
    )
    return headers


def sign_get(
    url: str,
    *,
    key_id: str,
    private_key: RSAPrivateKey,
    accept: str = ACCEPT_ACTIVITYPUB,
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers to add to a GET of ``url`` (authorized fetch): Host, Date, Accept, Signature
    (rsa-sha256 over ``(request-target) host date accept``)."""
    headers = {"Host": TargetURI.parse(url).authority, "Date": format_http_date(now), "Accept": accept}
    headers["Signature"] = sign_headers("GET", url, headers, GET_SIGNED_HEADERS, key_id=key_id, private_key=private_key)
    return headers


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_PARAM = re.compile(
    r"""\s*([0-9A-Za-z!#$%&'*+.^_`|~-]+)\s*=\s*
        (?:"([^"\\]*(?:\\.[^"\\]*)*)"|([0-9A-Za-z!#$%&'*+.^_`|~-]+))\s*(,|$)""",
    re.VERBOSE | re.DOTALL,
)  # the quoted string as an unrolled loop: runs of plain characters, not one alternation per character


def parse_signature_header(value: str) -> dict[str, str]:
    """Parse ``keyId="...",headers="...",signature="..."``; ValueError if malformed.

    Accepts quoted or token values and the stray ``Signature `` prefix old node-http-signature
    sends (as Mastodon's parser does); refuses repeated parameters.
    """
    text = value.strip()
    if text.startswith("Signature "):
        text = text[len("Signature ") :]
    params: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            raise ValueError(f"cannot parse Signature header near {text[position:][:40]!r}")
        name, quoted, token, separator = match.groups()
        if name in params:
            raise ValueError(f"Signature parameter {name!r} given twice")
        if quoted is None:
            params[name] = token
        else:
            params[name] = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        position = match.end()
        if separator == "," and position >= len(text):
            raise ValueError("trailing ',' in Signature header")
    if not params:
        raise ValueError("empty Signature header")
    return params


def _timestamp(raw: str, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise ValueError(f"{name} parameter {raw!r} is not a Unix timestamp") from error


def prepare(
    method: str,
    target: TargetURI,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    policy: VerificationPolicy,
) -> PendingSignature | VerificationResult:
    """Run every check that needs no key; ``headers`` must have lower-case names.

    Returns the signature waiting for its key, or the failure.
    """

    def fail(reason: Reason, detail: str, key_id: str | None = None) -> VerificationResult:
        return VerificationResult.failure(reason, detail, key_id=key_id, scheme=SCHEME)

    raw_header = headers.get("signature")
    if not raw_header:
        return fail(Reason.NO_SIGNATURE, "request has no Signature header")
    try:
        params = parse_signature_header(raw_header)
    except ValueError as error:
        return fail(Reason.UNPARSABLE_SIGNATURE, str(error))
    key_id = params.get("keyId")
    if not key_id or not params.get("signature"):
        return fail(Reason.UNPARSABLE_SIGNATURE, "keyId and signature parameters are required")
    try:
        authority_of(key_id)
    except ValueError as error:
        return fail(Reason.INVALID_KEY_ID, f"keyId: {error}")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in SIGNATURE_ALGORITHMS:
        return fail(
            Reason.UNSUPPORTED_ALGORITHM,
            f"algorithm {algorithm!r} is not supported (only rsa-sha256 and hs2019)",
            key_id,
        )
    default_headers = "(created)" if algorithm == "hs2019" else "date"
    signed = (params.get("headers") or default_headers).lower().split()

    method = method.upper()
    if "(request-target)" not in signed:
        return fail(Reason.REQUEST_TARGET_NOT_SIGNED, "(request-target) must be signed", key_id)
    if "date" not in signed and "(created)" not in signed:
        return fail(Reason.DATE_NOT_SIGNED, "date or (created) must be signed", key_id)
    if "host" not in signed and (method in ("GET", "HEAD") or policy.require_host_on_post):
        return fail(Reason.HOST_NOT_SIGNED, f"host must be signed on {method}", key_id)
    if "digest" not in signed and (method in _METHODS_WITH_BODY or body):
        return fail(Reason.DIGEST_NOT_SIGNED, f"digest must be signed on {method}", key_id)
    for pseudo in ("(created)", "(expires)"):
        if pseudo in signed and algorithm != "hs2019":
            return fail(Reason.UNPARSABLE_SIGNATURE, f"{pseudo} is only valid with hs2019", key_id)
        if pseudo in signed and not params.get(pseudo[1:-1]):
            return fail(Reason.UNPARSABLE_SIGNATURE, f"{pseudo} signed but missing", key_id)

    try:
        if "(created)" in signed:
            created = _timestamp(params["created"], "created")
        elif "date" in headers:
            created = parse_http_date(headers["date"])
        else:
            return fail(Reason.SIGNED_HEADER_MISSING, "date is signed but absent", key_id)
        expires = _timestamp(params["expires"], "expires") if "(expires)" in signed else None
    except ValueError as error:
        return fail(Reason.INVALID_DATE, str(error), key_id)
    window = check_time_window(created, expires, now, policy)
    if window is not None:
        return fail(*window, key_id)

    if "digest" in signed:
        if "digest" not in headers:
            return fail(Reason.SIGNED_HEADER_MISSING, "digest is signed but absent", key_id)
        digest = check_digest(headers["digest"], body)
        if not digest.ok:
            return fail(digest_reason(digest.problem), digest.detail, key_id)

    try:
        strings = [_signing_string(method, target, headers, signed, params)]
        if target.query is not None and policy.accept_request_target_without_query:
            strings.append(_signing_string(method, target, headers, signed, params, with_query=False))
    except _MissingHeader as missing:
        return fail(Reason.SIGNED_HEADER_MISSING, f"{missing.name} is signed but absent", key_id)
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        return fail(Reason.UNPARSABLE_SIGNATURE, "signature is not valid base64", key_id)

    def check(public_key: PublicKey) -> Reason | None:
        if isinstance(public_key, Ed25519PublicKey) and algorithm != "hs2019":
            return Reason.UNSUPPORTED_ALGORITHM
        for string in strings:
            try:
                if isinstance(public_key, RSAPublicKey):
                    public_key.verify(signature, string, _PKCS1V15, _SHA256)
                else:
                    public_key.verify(signature, string)
            except InvalidSignature:
                continue
            return None
        return Reason.INVALID_SIGNATURE

    return PendingSignature(SCHEME, key_id, check)
