"""Host health, the same for every storage backend: failures per day, the circuit breaker, unavailable hosts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lectern.federation_shim.retry_policy import FAILURE_DAYS
from lectern.federation_shim.storage import HostHealth, OutgoingActivity, ShimStorage

HOST = "dead.example"
DAY = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CREATE = OutgoingActivity("https://oer.example/ap/activities/1", "Create", "fractions", b"{}")


def test_failures_are_counted_per_day_and_in_a_row(storage: ShimStorage) -> None:
    hosts = storage.deliveries
    assert hosts.failing_hosts() == {} and hosts.consecutive_failures(HOST) == (0, 0.0, 0)
    assert hosts.host_failed(HOST, DAY) == 1
    assert hosts.host_failed(HOST, DAY + timedelta(hours=10)) == 1  # the same UTC day
    assert hosts.host_failed(HOST, DAY + timedelta(days=1)) == 2
    assert hosts.consecutive_failures(HOST) == (3, 0.0, 0)
    assert hosts.failing_hosts() == {HOST: HostHealth(3, 0.0, 0, False)}


def test_an_open_breaker_counts_anew(storage: ShimStorage) -> None:
    hosts = storage.deliveries
    for _ in range(5):
        hosts.host_failed(HOST, DAY)
    hosts.open_breaker(HOST, 1_000.0)
    assert hosts.consecutive_failures(HOST) == (0, 1_000.0, 1)
    hosts.host_failed(HOST, DAY)
    hosts.open_breaker(HOST, 2_000.0)
    assert hosts.failing_hosts()[HOST] == HostHealth(0, 2_000.0, 2, False)


def test_a_host_failing_on_seven_days_is_unavailable_and_its_new_jobs_are_skipped(storage: ShimStorage) -> None:
    hosts = storage.deliveries
    for day in range(FAILURE_DAYS):
        assert not hosts.host_is_unavailable(HOST)
        assert hosts.host_failed(HOST, DAY + timedelta(days=day)) == day + 1
    assert hosts.host_is_unavailable(HOST)
    assert hosts.failing_hosts()[HOST].unavailable
    assert hosts.enqueue(CREATE, [f"https://{HOST}/inbox", "https://alive.example/inbox"], 0.0) == 2
    assert [job.host for job in hosts.claim_due(0.0, 10)] == ["alive.example"]
    assert hosts.counts(0.0).skipped == 1


def test_a_host_that_answers_is_alive_again(storage: ShimStorage) -> None:
    hosts = storage.deliveries
    for day in range(FAILURE_DAYS):
        hosts.host_failed(HOST, DAY + timedelta(days=day))
    hosts.open_breaker(HOST, 5_000.0)
    hosts.host_answered(HOST)  # it sent us a verified request
    assert not hosts.host_is_unavailable(HOST)
    assert hosts.consecutive_failures(HOST) == (0, 0.0, 1)
    assert hosts.host_failed(HOST, DAY + timedelta(days=30)) == 1  # its failing days were forgotten
    hosts.host_answered("never-failed.example")
    assert "never-failed.example" not in hosts.failing_hosts()


def test_a_delivery_that_succeeds_forgets_the_host_s_failures(storage: ShimStorage) -> None:
    hosts = storage.deliveries
    hosts.host_failed(HOST, DAY)
    hosts.host_failed("other.example", DAY)
    hosts.host_succeeded(HOST)
    assert set(hosts.failing_hosts()) == {"other.example"}
    assert hosts.host_failed(HOST, DAY) == 1
