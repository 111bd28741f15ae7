"""Examples of the rules both signature schemes share: Mastodon's time window, signer == actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lectern.federation_shim.signature_result import (
    DEFAULT_POLICY,
    Reason,
    VerificationPolicy,
    VerificationResult,
    activity_actor_id,
    check_signer_is_actor,
    check_time_window,
)

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "age",
    [timedelta(0), timedelta(hours=1), timedelta(hours=1, minutes=4), -timedelta(minutes=59)],
)
def test_a_date_from_1h05_ago_to_1h_ahead_is_accepted_like_mastodon(age: timedelta) -> None:
    assert check_time_window(NOW - age, None, NOW, DEFAULT_POLICY) is None


@pytest.mark.parametrize("age", [timedelta(hours=1, minutes=6), timedelta(hours=2)])
def test_a_date_older_than_5_minutes_plus_1h_of_skew_is_expired(age: timedelta) -> None:
    verdict = check_time_window(NOW - age, None, NOW, DEFAULT_POLICY)
    assert verdict is not None and verdict[0] is Reason.EXPIRED


def test_a_date_more_than_an_hour_ahead_is_not_yet_valid() -> None:
    verdict = check_time_window(NOW + timedelta(minutes=61), None, NOW, DEFAULT_POLICY)
    assert verdict is not None and verdict[0] is Reason.NOT_YET_VALID


def test_an_explicit_expiry_past_the_skew_margin_is_expired() -> None:
    created = NOW - timedelta(minutes=10)
    assert check_time_window(created, NOW - timedelta(minutes=30), NOW, DEFAULT_POLICY) is None
    verdict = check_time_window(created, NOW - timedelta(minutes=61), NOW, DEFAULT_POLICY)
    assert verdict is not None and verdict[0] is Reason.EXPIRED


def test_a_far_expiry_is_capped_at_12_hours_after_creation() -> None:
    created = NOW - timedelta(hours=13, minutes=1)
    verdict = check_time_window(created, NOW + timedelta(days=1), NOW, DEFAULT_POLICY)
    assert verdict is not None and verdict[0] is Reason.EXPIRED


def test_a_stricter_policy_narrows_the_window() -> None:
    strict = VerificationPolicy(clock_skew=timedelta(seconds=30))
    verdict = check_time_window(NOW - timedelta(minutes=6), None, NOW, strict)
    assert verdict is not None and verdict[0] is Reason.EXPIRED


def _verified(signer: str) -> VerificationResult:
    return VerificationResult(True, Reason.VERIFIED, "ok", key_id=f"{signer}#main-key", signer=signer)


def test_signer_who_is_the_activitys_actor_passes() -> None:
    result = _verified("https://a.example/users/ada")
    assert check_signer_is_actor(result, {"actor": "https://a.example/users/ada"}) is result
    embedded = {"actor": {"id": "https://a.example/users/ada", "type": "Person"}}
    assert check_signer_is_actor(result, embedded).ok


def test_signer_who_is_not_the_activitys_actor_is_refused() -> None:
    result = check_signer_is_actor(_verified("https://a.example/users/ada"), {"actor": "https://a.example/users/bob"})
    assert not result.ok
    assert result.reason is Reason.SIGNER_IS_NOT_ACTOR
    assert "users/bob" in result.detail


def test_activity_without_actor_is_refused_and_failures_pass_through() -> None:
    assert not check_signer_is_actor(_verified("https://a.example/u"), {"type": "Follow"}).ok
    failed = VerificationResult.failure(Reason.EXPIRED, "old")
    assert check_signer_is_actor(failed, {"actor": "x"}) is failed
    assert activity_actor_id({"actor": 42}) is None
