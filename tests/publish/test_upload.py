"""Publishing the example build to a real S3-compatible server: every object carries the headers its kind needs,
and a second publish without change uploads nothing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from lectern.content_types import ACTIVITY_JSON, HOUR, IMMUTABLE, SHORT, cache_control, content_type
from lectern.publish.report import summary_lines

from .conftest import RequestCounter, keys, run

FINGERPRINT = re.compile(r"\.(?=[0-9]*[a-f])[0-9a-f]{8,64}\.[a-z0-9]+$")  # a content hash, as the theme names assets
EXPECTED = {
    "index.html": ("text/html; charset=utf-8", SHORT),
    "fractions/fraction-strips/index.html": ("text/html; charset=utf-8", SHORT),
    "ap/actors/library.json": (ACTIVITY_JSON, SHORT),
    "ap/actors/fractions/outbox.json": (ACTIVITY_JSON, SHORT),
    "ap/actors/fractions/outbox/1.json": (ACTIVITY_JSON, SHORT),
    "ap/objects/fractions/fraction-strips.json": (ACTIVITY_JSON, SHORT),
    "ap/creates/fractions/fraction-strips.json": (ACTIVITY_JSON, SHORT),
    ".well-known/host-meta": ("application/xrd+xml; charset=utf-8", SHORT),
    ".well-known/nodeinfo": ("application/json; charset=utf-8", SHORT),
    "nodeinfo/2.0.json": ('application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"', SHORT),
    "nodeinfo/2.1.json": ('application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"', SHORT),
    "feeds/all.atom.xml": ("application/atom+xml; charset=utf-8", SHORT),
    "fractions/files/fraction-strips.svg": ("image/svg+xml; charset=utf-8", HOUR),
    "intro-physics/files/pendulum-timing-data.csv": ("text/csv; charset=utf-8", HOUR),
    "python-basics/files/loops-worksheet.pdf": ("application/pdf", HOUR),
}


def test_first_publish_uploads_every_file_with_its_content_type_cache_policy_and_hash(
    s3_url: str, bucket: str, s3: Any, output: Path
) -> None:
    report = run(s3_url, bucket, output)

    files = sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file())
    assert sorted(report.uploaded) == files
    assert set(keys(s3, bucket)) == {*files, "_lectern/publish-manifest.json.gz"}
    for path in files:
        head = s3.head_object(Bucket=bucket, Key=path)
        assert head["ContentType"] == content_type(path), path
        assert head["CacheControl"] == cache_control(path), path
        assert head["Metadata"]["sha256"] == hashlib.sha256((output / path).read_bytes()).hexdigest()
    for path, (kind, cache) in EXPECTED.items():
        head = s3.head_object(Bucket=bucket, Key=path)
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), path
    stylesheet = next(path for path in files if path.startswith("theme/") and path.endswith(".css"))
    assert s3.head_object(Bucket=bucket, Key=stylesheet)["ContentType"] == "text/css; charset=utf-8"
    fingerprinted = [path for path in files if path.startswith("theme/") and FINGERPRINT.search(path)]
    for path in fingerprinted:  # the theme's assets carry a content hash in their name: cached for a year
        assert s3.head_object(Bucket=bucket, Key=path)["CacheControl"] == IMMUTABLE, path


def test_a_second_publish_without_change_makes_no_put_and_says_so(
    s3_url: str, bucket: str, output: Path, counter: RequestCounter
) -> None:
    first = run(s3_url, bucket, output, session=counter.session)
    assert counter.puts == len(first.uploaded) + 1  # every file, then the manifest
    counter.reset()

    second = run(s3_url, bucket, output, session=counter.session)

    assert second.uploaded == ()
    assert counter.puts == 0
    assert counter.calls["HeadObject"] == 0
    assert summary_lines(second)[0].startswith(f"Nothing changed: all {len(first.uploaded)} files in s3://")
    assert "nothing was uploaded" in summary_lines(second)[0]


def test_only_changed_files_go_up_and_a_header_change_alone_counts(
    s3_url: str, bucket: str, s3: Any, output: Path, counter: RequestCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(s3_url, bucket, output)
    (output / "fractions" / "index.html").write_text("<p>new</p>", encoding="utf-8")
    (output / "python-basics" / "files" / "extra.pdf").write_bytes(b"%PDF-1.4 new")
    # A newer Lectern serves CSV files for a day: same bytes, new Cache-Control.
    from lectern import publish

    longer = lambda path: "public, max-age=86400" if path.endswith(".csv") else cache_control(path)  # noqa: E731
    monkeypatch.setattr(publish.local_files, "cache_control", longer)

    report = run(s3_url, bucket, output, session=counter.session)

    csv = "intro-physics/files/pendulum-timing-data.csv"
    assert report.plan.reasons == {
        "fractions/index.html": "content changed",
        "python-basics/files/extra.pdf": "new",
        csv: "headers changed",
    }
    # Files others point to go up first, then the pages pointing to them.
    assert [f.path for f in report.plan.uploads] == [csv, "python-basics/files/extra.pdf", "fractions/index.html"]
    assert counter.puts == 4  # three files and the manifest
    assert s3.head_object(Bucket=bucket, Key=csv)["CacheControl"] == "public, max-age=86400"


def test_a_file_larger_than_8_mb_goes_up_in_parts(s3_url: str, bucket: str, s3: Any, output: Path) -> None:
    big = output / "intro-physics" / "files" / "lecture-recording.mp4"
    block = hashlib.sha256(b"lectern").digest() * 1024
    big.write_bytes(block * (9 * 1024 * 1024 // len(block)))  # 9 MB

    run(s3_url, bucket, output)

    head = s3.head_object(Bucket=bucket, Key="intro-physics/files/lecture-recording.mp4")
    assert head["ContentLength"] == 9 * 1024 * 1024
    assert head["ETag"].strip('"').endswith("-2")  # a multipart ETag: two parts of 8 MB and 1 MB
    assert head["ContentType"] == "video/mp4"
    assert head["Metadata"]["sha256"] == hashlib.sha256(big.read_bytes()).hexdigest()
    assert run(s3_url, bucket, output).uploaded == ()


def test_a_prefix_keeps_the_site_in_its_folder(s3_url: str, bucket: str, s3: Any, output: Path) -> None:
    report = run(s3_url, bucket, output, prefix="/oer/")

    assert report.bucket_url == f"s3://{bucket}/oer/"
    assert all(key.startswith("oer/") for key in keys(s3, bucket))
    head = s3.head_object(Bucket=bucket, Key="oer/ap/actors/library.json")
    assert head["ContentType"] == ACTIVITY_JSON
    assert run(s3_url, bucket, output, prefix="oer").uploaded == ()
