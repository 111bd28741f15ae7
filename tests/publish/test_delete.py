"""`--delete` removes what the build no longer has, but never a Tombstone and never anything outside the prefix;
`--dry-run` lists what would change and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lectern.publish.report import dry_run_lines, summary_lines

from .conftest import keys, run

TOMBSTONE = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "http://127.0.0.1:8000/ap/objects/fractions/retired-worksheet.json",
    "type": "Tombstone",
    "formerType": "Note",
    "deleted": "2024-05-01T10:00:00Z",
}


def test_delete_removes_what_the_build_no_longer_has_and_keeps_tombstones(
    s3_url: str, bucket: str, s3: Any, output: Path
) -> None:
    tombstone = output / "ap" / "objects" / "fractions" / "retired-worksheet.json"
    tombstone.write_text(json.dumps(TOMBSTONE), encoding="utf-8")
    run(s3_url, bucket, output)
    # Then the build stops writing the Tombstone, and a tag page and a resource's object disappear; someone else
    # left a Tombstone and a Note in the bucket that no manifest knows of.
    tombstone.unlink()
    (output / "tag" / "csv" / "index.html").unlink()
    (output / "ap" / "objects" / "fractions" / "fraction-strips.json").unlink()
    s3.put_object(Bucket=bucket, Key="ap/objects/python-basics/old-course.json", Body=json.dumps(TOMBSTONE))
    s3.put_object(Bucket=bucket, Key="ap/objects/python-basics/old-note.json", Body=b'{"type": "Note"}')

    without = run(s3_url, bucket, output)
    assert without.deleted == () and len(without.plan.stale) == 4
    assert summary_lines(without)[-1] == (
        "4 objects in the bucket no longer in the build (e.g. ap/objects/fractions/fraction-strips.json); "
        "--delete removes them (Tombstones stay)."
    )

    report = run(s3_url, bucket, output, delete=True)

    assert report.deleted == (
        "ap/objects/fractions/fraction-strips.json",
        "ap/objects/python-basics/old-note.json",
        "tag/csv/index.html",
    )
    assert report.plan.kept_tombstones == (
        "ap/objects/fractions/retired-worksheet.json",
        "ap/objects/python-basics/old-course.json",
    )
    remaining = keys(s3, bucket)
    assert "ap/objects/fractions/retired-worksheet.json" in remaining
    assert "ap/objects/python-basics/old-course.json" in remaining
    assert not {path for path in report.deleted} & set(remaining)
    assert run(s3_url, bucket, output, delete=True).deleted == ()


def test_delete_never_touches_objects_outside_the_prefix(s3_url: str, bucket: str, s3: Any, output: Path) -> None:
    for key in ("outside.txt", "oer2/index.html", "oerx", "other-site/index.html"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"not ours")
    s3.put_object(Bucket=bucket, Key="oer/stale.html", Body=b"ours, stale")

    report = run(s3_url, bucket, output, prefix="oer", delete=True)

    assert report.deleted == ("stale.html",)
    remaining = keys(s3, bucket)
    assert {"outside.txt", "oer2/index.html", "oerx", "other-site/index.html"} <= set(remaining)
    assert "oer/stale.html" not in remaining


def test_dry_run_lists_what_would_change_and_changes_nothing(s3_url: str, bucket: str, s3: Any, output: Path) -> None:
    run(s3_url, bucket, output)
    before = keys(s3, bucket)
    manifest = s3.get_object(Bucket=bucket, Key="_lectern/publish-manifest.json.gz")["Body"].read()
    (output / "index.html").write_text("<p>changed</p>", encoding="utf-8")
    (output / "tag" / "csv" / "index.html").unlink()
    (output / "fractions" / "files" / "new.svg").write_text("<svg/>", encoding="utf-8")

    report = run(s3_url, bucket, output, dry_run=True, delete=True)

    assert report.dry_run and report.uploaded == () and report.deleted == ()
    assert keys(s3, bucket) == before
    assert s3.get_object(Bucket=bucket, Key="_lectern/publish-manifest.json.gz")["Body"].read() == manifest
    lines = dry_run_lines(report)
    assert "upload  fractions/files/new.svg  (new)" in lines
    assert "upload  index.html  (content changed)" in lines
    assert "delete  tag/csv/index.html" in lines
    assert lines[-1].startswith("Dry run: would upload 2 files")
    assert lines[-1].endswith("Nothing was changed.")


def test_dry_run_on_an_empty_bucket_changes_nothing(s3_url: str, bucket: str, s3: Any, output: Path) -> None:
    report = run(s3_url, bucket, output, dry_run=True)

    assert len(report.plan.uploads) == len([p for p in output.rglob("*") if p.is_file()])
    assert keys(s3, bucket) == {}
