"""A publish interrupted midway, or a bucket changed behind its back, is put right by simply publishing again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lectern.publish.errors import AccessDenied, UploadFailed

from .conftest import RequestCounter, failing_session, keys, run


def test_a_failed_upload_deletes_nothing_and_the_next_publish_sends_only_what_is_missing(
    s3_url: str, bucket: str, s3: Any, output: Path, counter: RequestCounter
) -> None:
    s3.put_object(Bucket=bucket, Key="stale.html", Body=b"old")
    with pytest.raises(UploadFailed) as failed:
        run(s3_url, bucket, output, session=failing_session("ap/objects/fractions/fraction-strips.json"), delete=True)

    assert str(failed.value).startswith("1 file could not be uploaded, first ap/objects/fractions/fraction-strips.json")
    assert "run lectern publish again" in str(failed.value)
    assert "stale.html" in keys(s3, bucket)
    assert "index.html" not in keys(s3, bucket)  # pages wait for the files they point to

    report = run(s3_url, bucket, output, session=counter.session, delete=True)

    assert "ap/objects/fractions/fraction-strips.json" in report.uploaded
    assert not any(
        path.startswith("ap/objects/") and path != "ap/objects/fractions/fraction-strips.json"
        for path in report.uploaded
    )
    assert report.deleted == ("stale.html",)
    assert counter.puts == len(report.uploaded) + 1


def test_access_denied_stops_at_once_with_what_the_credentials_need(
    s3_url: str, bucket: str, s3: Any, output: Path
) -> None:
    attempts: list[str] = []
    with pytest.raises(AccessDenied) as denied:
        run(s3_url, bucket, output, session=failing_session("", "AccessDenied", attempts))

    message = str(denied.value)
    assert message.startswith(f"access denied to bucket {bucket!r} when trying to upload ")
    assert message.endswith(
        "the credentials need s3:ListBucket, s3:GetObject and s3:PutObject on it (and s3:DeleteObject for --delete)"
    )
    assert len(attempts) <= 8  # the uploads already running on the 8 workers, not one per file
    assert keys(s3, bucket) == {}


def test_without_the_manifest_objects_are_recognised_by_their_sha256_metadata(
    s3_url: str, bucket: str, s3: Any, output: Path, counter: RequestCounter
) -> None:
    run(s3_url, bucket, output)
    s3.delete_object(Bucket=bucket, Key="_lectern/publish-manifest.json.gz")

    report = run(s3_url, bucket, output, session=counter.session)

    assert report.uploaded == ()
    assert counter.puts == 1  # the manifest, rebuilt from the HEADs
    counter.reset()
    run(s3_url, bucket, output, session=counter.session)
    assert counter.puts == 0 and counter.calls["HeadObject"] == 0


def test_an_object_changed_behind_publish_s_back_is_uploaded_again(
    s3_url: str, bucket: str, s3: Any, output: Path
) -> None:
    run(s3_url, bucket, output)
    s3.put_object(Bucket=bucket, Key="fractions/index.html", Body=b"<p>edited in the console</p>")
    s3.put_object(Bucket=bucket, Key="_lectern/publish-manifest.json.gz", Body=b"not a manifest")

    report = run(s3_url, bucket, output)

    assert report.uploaded == ("fractions/index.html",)
    assert (
        s3.get_object(Bucket=bucket, Key="fractions/index.html")["Body"].read()
        == (output / "fractions" / "index.html").read_bytes()
    )
