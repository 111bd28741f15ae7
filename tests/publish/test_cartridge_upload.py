"""`lectern publish` uploads each collection's cartridge with the Common Cartridge media type, so the CDN serves the
download the collection page offers as `lectern serve` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lectern.content_types import HOUR

from .conftest import run

COLLECTIONS = ("fractions", "intro-physics", "python-basics")


def test_each_cartridge_is_uploaded_as_application_vnd_ims_imsccv1p1(
    s3_url: str, bucket: str, s3: Any, output: Path
) -> None:
    run(s3_url, bucket, output)

    for slug in COLLECTIONS:
        key = f"{slug}/{slug}.imscc"
        stored = s3.get_object(Bucket=bucket, Key=key)
        assert stored["ContentType"] == "application/vnd.ims.imsccv1p1", key
        assert stored["CacheControl"] == HOUR
        assert stored["Body"].read() == (output / key).read_bytes()
