"""When to try a delivery again, modelled on Mastodon's ActivityPub::DeliveryWorker (what the Fediverse expects).

    2xx                              delivered
    410                              gone: the follower (or the whole server behind a shared inbox) is removed
    501, and 4xx but 401/408/429     permanent failure: never retried (Mastodon's `response_error_unsalvageable?`)
    anything else (5xx, 401, 408, 429, no answer)   retried, up to MAX_RETRIES times

The n-th retry waits n**4 + 15 s plus jitter (Sidekiq's schedule, which Mastodon uses), so the 16th and last comes
two to three days after the first try; a `Retry-After` the server sent wins when it asks for longer. A host that has
failed on FAILURE_DAYS separate days is skipped until it answers or sends us a verified request (Mastodon's
DeliveryFailureTracker); a host failing several times in a row is paused briefly (a circuit breaker, as Mastodon's
Stoplight), so one dead server does not hold up the others.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

MAX_RETRIES = 16
FAILURE_DAYS = 7
BREAKER_THRESHOLD = 5  # consecutive failures that open a host's circuit
BREAKER_COOL_OFF = 60.0  # seconds, doubled each time it opens again, at most an hour
MAX_RETRY_AFTER = 3 * 24 * 3600.0


class Outcome(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    PERMANENT = "permanent"
    RETRY = "retry"


def classify(status: int) -> Outcome:
    """`status` 0 means no answer at all (timeout, refused connection)."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 410:
        return Outcome.GONE
    if status == 501 or (400 <= status < 500 and status not in (401, 408, 429)):
        return Outcome.PERMANENT
    return Outcome.RETRY


def retry_delay(retry: int, jitter: random.Random | None = None) -> float:
    """Seconds before retry number `retry` (1 for the first retry): (retry-1)**4 + 15 + jitter, as Sidekiq counts."""
    count = retry - 1
    roll = (jitter or random).randint(0, 9)
    return float(count**4 + 15 + roll * (count + 1))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from `now`; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # `str.isdigit` alone accepts '²' and '①', which float() refuses
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max(0.0, (moment - now).total_seconds()), MAX_RETRY_AFTER)


def next_delay(retry: int, retry_after: str | None, now: datetime, jitter: random.Random | None = None) -> float:
    """How long to wait before retry number `retry`: our schedule, or longer if the server asked for it."""
    scheduled = retry_delay(retry, jitter)
    asked = retry_after_seconds(retry_after, now)
    return float(max(scheduled, asked)) if asked is not None else scheduled


def breaker_cool_off(times_opened: int) -> float:
    doubled: float = BREAKER_COOL_OFF * 2.0 ** max(0, times_opened - 1)
    return min(doubled, 3600.0)
