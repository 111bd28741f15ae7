"""HTTP dates (RFC 9110 section 5.6.7): format as IMF-fixdate, parse the three legacy forms.

Signatures cover the ``Date`` header, so signer and verifier must agree on it byte for byte;
we always send IMF-fixdate (``Tue, 25 Nov 2025 17:57:12 GMT``) and, like Mastodon's
``Time.httpdate``, accept whatever RFC 9110 says recipients must accept.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

__all__ = ["current_http_date", "format_http_date", "parse_http_date"]


def format_http_date(moment: datetime | None = None) -> str:
    """IMF-fixdate for ``moment`` (default: now), always in GMT."""
    return format_datetime((moment or datetime.now(UTC)).astimezone(UTC), usegmt=True)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_current: tuple[int, str] = (-1, "")


def current_http_date() -> str:
    """IMF-fixdate for now, made once a second (deliveries sign thousands of requests a second)."""
    global _current
    second = int(time.time())
    if _current[0] != second:
        moment = time.gmtime(second)
        text = (
            f"{_WEEKDAYS[moment.tm_wday]}, {moment.tm_mday:02d} {_MONTHS[moment.tm_mon - 1]} {moment.tm_year} "
            f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} GMT"
        )
        _current = (second, text)
    return _current[1]


_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d\d):(\d\d):(\d\d) GMT"
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTHS, start=1)}


def parse_http_date(value: str) -> datetime:
    """A timezone-aware datetime; ValueError with the offending value if it is not a date."""
    fixdate = _IMF_FIXDATE.fullmatch(value.strip())
    if fixdate is not None:  # what every signer sends, read without the general parser (a third of the cost)
        day, month, year, hour, minute, second = fixdate.groups()
        try:
            return datetime(int(year), _MONTH_NUMBERS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        except ValueError as error:
            raise ValueError(f"Date header {value!r} is not an HTTP date") from error
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Date header {value!r} is not an HTTP date") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
