"""Deployment settings from the environment are read and checked once, in `Settings`, with a message naming the
variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from lectern.errors import SettingsError
from lectern.settings import load_settings
from tests.conftest import PROJECT

SETTINGS_FILE = PROJECT / "pelicanconf.py"
VARIABLES = ("LECTERN_DELIVER_TOKEN", "LECTERN_DELIVERY_TIMEOUT", "LECTERN_BUSY_PATIENCE", "LECTERN_SERVE_STATIC")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_without_the_variables_the_defaults_hold() -> None:
    settings = load_settings(SETTINGS_FILE)
    assert (settings.deliver_token, settings.delivery_timeout, settings.busy_patience) == ("", 10.0, 120.0)
    assert settings.serve_static is False


def test_the_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LECTERN_DELIVER_TOKEN", "correct horse")
    monkeypatch.setenv("LECTERN_DELIVERY_TIMEOUT", "2.5")
    monkeypatch.setenv("LECTERN_BUSY_PATIENCE", "0")
    monkeypatch.setenv("LECTERN_SERVE_STATIC", "1")
    settings = load_settings(SETTINGS_FILE)
    assert (settings.deliver_token, settings.delivery_timeout, settings.busy_patience) == ("correct horse", 2.5, 0.0)
    assert settings.serve_static is True


def test_a_timeout_is_at_least_a_tenth_of_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LECTERN_DELIVERY_TIMEOUT", "0")
    assert load_settings(SETTINGS_FILE).delivery_timeout == 0.1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LECTERN_DELIVERY_TIMEOUT", "ten"),
        ("LECTERN_DELIVERY_TIMEOUT", "-1"),
        ("LECTERN_BUSY_PATIENCE", "nan"),
        ("LECTERN_BUSY_PATIENCE", "inf"),
        ("LECTERN_SERVE_STATIC", "maybe"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"{name}={value!r}"):
        load_settings(Path(SETTINGS_FILE))
