from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from lectern.federation_shim.retry_policy import (
    MAX_RETRIES,
    Outcome,
    classify,
    next_delay,
    retry_after_seconds,
    retry_delay,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (410, Outcome.GONE),
        (400, Outcome.PERMANENT),
        (403, Outcome.PERMANENT),
        (404, Outcome.PERMANENT),
        (501, Outcome.PERMANENT),
        (401, Outcome.RETRY),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (0, Outcome.RETRY),
    ],
)
def test_statuses_are_classified_as_mastodon_does(status: int, outcome: Outcome) -> None:
    assert classify(status) is outcome


def test_the_sixteenth_retry_comes_two_to_three_days_after_the_first_try() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        total = sum(retry_delay(n, rng) for n in range(1, MAX_RETRIES + 1))
        assert 2 * 86400 <= total <= 3 * 86400


def test_the_first_retry_waits_about_fifteen_seconds() -> None:
    assert 15 <= retry_delay(1, random.Random(1)) <= 24


def test_retry_after_in_seconds_or_as_a_date_wins_when_longer() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds("Sun, 01 Mar 2026 13:00:00 GMT", NOW) == 3600
    assert retry_after_seconds("soon", NOW) is None
    assert next_delay(1, "600", NOW, random.Random(1)) == 600
    assert next_delay(1, "1", NOW, random.Random(1)) < 30


def test_a_retry_after_the_server_wrote_oddly_is_ignored_not_a_crash() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    for odd in ("²", "①", "12²", "Mon, 99 Foo 9999999 99:99:99 GMT", "-5", "1e9", "\x00"):
        assert retry_after_seconds(odd, now) is None, odd
    assert retry_after_seconds(" 120 ", now) == 120.0
