"""The one timestamp format of ActivityStreams documents: `2026-03-01T12:00:00Z` (xsd:dateTime in UTC, to the second).

Strings in this format sort as the moments they name, which the delivery plan and the stores rely on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["now_timestamp", "timestamp"]

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def timestamp(moment: datetime | date) -> str:
    """`moment` in UTC; a naive datetime (or a date) is taken to be UTC already."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(FORMAT)


def now_timestamp() -> str:
    return timestamp(datetime.now(UTC))
