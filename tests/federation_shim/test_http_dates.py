"""Examples of the HTTP dates that draft-cavage signatures cover."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lectern.federation_shim import http_dates
from lectern.federation_shim.http_dates import current_http_date, format_http_date, parse_http_date


def test_dates_are_formatted_as_imf_fixdate_in_gmt() -> None:
    moment = datetime(2025, 11, 25, 18, 57, 12, tzinfo=timezone(timedelta(hours=1)))
    assert format_http_date(moment) == "Tue, 25 Nov 2025 17:57:12 GMT"


@pytest.mark.parametrize(
    "value",
    ["Tue, 25 Nov 2025 17:57:12 GMT", "Tuesday, 25-Nov-25 17:57:12 GMT", "Tue Nov 25 17:57:12 2025"],
)
def test_the_three_http_date_forms_parse_to_the_same_instant(value: str) -> None:
    assert parse_http_date(value) == datetime(2025, 11, 25, 17, 57, 12, tzinfo=UTC)


def test_something_that_is_not_a_date_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not an HTTP date"):
        parse_http_date("yesterday")


@pytest.mark.parametrize("moment", [1_764_093_432, 1_709_251_199, 946_684_800])  # Tuesday; a leap day; 2000
def test_the_cached_current_date_is_the_same_text_as_format_http_date(
    moment: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: moment + 0.5)
    monkeypatch.setattr(http_dates, "_current", (-1, ""))
    assert current_http_date() == format_http_date(datetime.fromtimestamp(moment, UTC))
