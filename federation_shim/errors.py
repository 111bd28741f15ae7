"""Exceptions of the federation shim's outgoing HTTP: fetching remote ActivityPub documents.

Signature checks report failures as values (``signature_result.VerificationResult``); fetching a
remote document is I/O at the edge, so its failures are exceptions, all from one tree::

    FetchError                 we could not get a trustworthy document; .url, .code, .temporary
    ├── UnsupportedURL         not an absolute http(s) URL, or a redirect from https to http
    ├── ForbiddenAddress       the host is, or resolves to, a private/loopback/link-local/
    │                          multicast/reserved/unspecified address (.host, .address)
    ├── ConnectionFailed       DNS failure, refused or reset connection, TLS error
    ├── FetchTimeout           the total deadline passed (.deadline)
    ├── TooManyRedirects       more redirects than allowed (.limit)
    ├── HTTPStatusError        a final status other than 200 (.status)
    ├── WrongContentType       not application/activity+json or application/ld+json
    ├── TooLarge               the body exceeds the size cap (.limit)
    ├── InvalidDocument        the body is not a JSON object
    ├── IdMismatch             the document's id is not the URL it was fetched from
    └── KeyDocumentError       documents fetched, but they do not establish the key

``str(error)`` is a sentence for an operator's log, naming the URL. ``code`` is a stable
snake_case name for metrics and for ``KeyLookupFailure.reason``. ``temporary`` says whether
trying again later may succeed (timeouts, connection failures, 5xx and 429).
"""

from __future__ import annotations

__all__ = [
    "ConnectionFailed",
    "FetchError",
    "FetchTimeout",
    "ForbiddenAddress",
    "HTTPStatusError",
    "IdMismatch",
    "InvalidDocument",
    "KeyDocumentError",
    "TooLarge",
    "TooManyRedirects",
    "UnsupportedURL",
    "WrongContentType",
]


class FetchError(Exception):
    """Base class: fetching ``url`` did not give a usable ActivityPub document."""

    code = "fetch_error"
    temporary = False

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.message = message


class UnsupportedURL(FetchError):
    code = "unsupported_url"


class ForbiddenAddress(FetchError):
    code = "forbidden_address"

    def __init__(self, url: str, host: str, address: str) -> None:
        super().__init__(
            url,
            f"refusing to fetch {url}: {host} is at {address}, a non-public address "
            "(set ALLOW_PRIVATE_ADDRESSES only for local testing)",
        )
        self.host = host
        self.address = address


class ConnectionFailed(FetchError):
    code = "connection_failed"
    temporary = True


class FetchTimeout(FetchError):
    code = "fetch_timeout"
    temporary = True

    def __init__(self, url: str, deadline: float) -> None:
        super().__init__(url, f"fetching {url} took longer than {deadline:g} s")
        self.deadline = deadline


class TooManyRedirects(FetchError):
    code = "too_many_redirects"

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url, f"fetching {url} was redirected more than {limit} times")
        self.limit = limit


class HTTPStatusError(FetchError):
    code = "http_status"

    def __init__(self, url: str, status: int) -> None:
        super().__init__(url, f"fetching {url} answered HTTP {status}, expected 200")
        self.status = status
        self.temporary = status >= 500 or status == 429


class WrongContentType(FetchError):
    code = "wrong_content_type"

    def __init__(self, url: str, content_type: str | None) -> None:
        super().__init__(
            url,
            f"{url} answered with Content-Type {content_type!r}, not application/activity+json or application/ld+json",
        )
        self.content_type = content_type


class TooLarge(FetchError):
    code = "too_large"

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url, f"{url} sent more than {limit} bytes; gave up reading")
        self.limit = limit


class InvalidDocument(FetchError):
    code = "invalid_document"


class IdMismatch(FetchError):
    code = "id_mismatch"

    def __init__(self, url: str, document_id: object) -> None:
        super().__init__(url, f"document fetched from {url} has id {document_id!r}; it must equal the URL")
        self.document_id = document_id


class KeyDocumentError(FetchError):
    code = "key_document_error"
