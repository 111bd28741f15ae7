"""Publish asks the site the build was made for to deliver (not the settings file's SITEURL), and refuses to publish a
build made for another address than the one it is told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lectern.cli import main
from tests.publish.conftest import keys
from tests.publish.test_delivery_trigger import FakeShim, shim  # noqa: F401 (the fixture)


def publish(project: Path, bucket: str, s3_url: str, *more: str) -> int:
    settings = str(project / "pelicanconf.py")
    return main(["--settings", settings, "publish", "--bucket", bucket, "--endpoint-url", s3_url, *more])


def test_publish_triggers_delivery_on_the_built_site_and_refuses_another_address(
    project: Path,
    shim: FakeShim,  # noqa: F811
    s3: Any,
    s3_url: str,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LECTERN_SITE_URL", raising=False)
    monkeypatch.setenv("LECTERN_DELIVER_TOKEN", "s3cret")
    assert main(["--settings", str(project / "pelicanconf.py"), "build", "--site-url", shim.url]) == 0
    capsys.readouterr()

    assert publish(project, bucket, s3_url) == 0  # no --site-url, no --shim-url: the build's address

    assert [path for path, _headers in shim.requests] == ["/_lectern/deliver"]
    assert f"Delivery triggered at {shim.url}/_lectern/deliver (HTTP 202)" in capsys.readouterr().out

    untouched = f"untouched-{bucket}"
    s3.create_bucket(Bucket=untouched)
    assert publish(project, untouched, s3_url, "--site-url", "https://oer.example.edu") == 1
    monkeypatch.setenv("LECTERN_SITE_URL", "https://oer.example.edu")
    assert publish(project, untouched, s3_url) == 1

    output = project / "output"
    assert capsys.readouterr().err.splitlines() == [
        f"lectern: --site-url https://oer.example.edu is not the address {output}/ was built for ({shim.url}): "
        f"rebuild with 'lectern build --site-url https://oer.example.edu', or pass --site-url {shim.url}",
        f"lectern: LECTERN_SITE_URL=https://oer.example.edu is not the address {output}/ was built for ({shim.url}): "
        f"rebuild with LECTERN_SITE_URL=https://oer.example.edu lectern build, or set LECTERN_SITE_URL={shim.url}",
    ]
    assert keys(s3, untouched) == {}  # nothing was uploaded
    assert len(shim.requests) == 1  # and nobody was asked to deliver
