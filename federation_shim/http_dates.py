"""HTTP dates (RFC 9110 section 5.6.7): format as IMF-fixdate, parse the three legacy forms.

Signatures cover the ``Date`` header, so signer and verifier must agree on it byte for byte;
we always send IMF-fixdate (``Tue, 25 Nov 2025 17:57:12 GMT``) and, like Mastodon's
``Time.httpdate``, accept whatever RFC 9110 says recipients must accept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

__all__ = ["format_http_date", "parse_http_date"]


def format_http_date(moment: datetime | None = None) -> str:
    """IMF-fixdate for ``moment`` (default: now), always in GMT."""
    return format_datetime((moment or datetime.now(UTC)).astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime:
    """A timezone-aware datetime; ValueError with the offending value if it is not a date."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Date header {value!r} is not an HTTP date") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
