"""The CDN hears of exactly the changed paths: pages under `/x/` and `/x/index.html`, percent-encoded; CloudFront
through its API (moto's server speaks it), other CDNs through the printed list."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from lectern.publish.cdn import MAX_PATHS, invalidation_batch, invalidation_paths
from lectern.publish.errors import CdnError
from lectern.publish.plan import make_plan
from lectern.publish.publisher import PublishReport
from lectern.publish.report import MAX_LISTED, cdn_lines

from .conftest import run


def test_pages_are_invalidated_under_their_folder_url_and_their_file() -> None:
    assert invalidation_paths(["index.html", "fractions/fraction-strips/index.html", "ap/actors/library.json"]) == [
        "/",
        "/ap/actors/library.json",
        "/fractions/fraction-strips/",
        "/fractions/fraction-strips/index.html",
        "/index.html",
    ]


def test_paths_are_percent_encoded_and_a_star_is_never_a_wildcard() -> None:
    assert invalidation_paths(["files/año 1.pdf", "files/a*b.txt", "notes/index.html.bak"]) == [
        "/files/a%2Ab.txt",
        "/files/a%C3%B1o%201.pdf",
        "/notes/index.html.bak",
    ]


def test_more_paths_than_cloudfront_takes_at_once_become_one_wildcard() -> None:
    many = [f"/r/{n}.json" for n in range(MAX_PATHS + 1)]
    assert invalidation_batch(many) == ["/*"]
    assert invalidation_batch(many[:MAX_PATHS]) == many[:MAX_PATHS]


@pytest.fixture
def cloudfront(s3_url: str, monkeypatch: pytest.MonkeyPatch, bucket: str) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", s3_url)
    return boto3.client("cloudfront")


@pytest.fixture
def distribution(cloudfront: Any, bucket: str) -> str:
    origin = {
        "Id": "bucket",
        "DomainName": f"{bucket}.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "lectern test",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "bucket",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    return str(cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"])


def invalidated(cloudfront: Any, distribution: str, invalidation: str | None) -> list[str]:
    assert invalidation is not None
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation)["Invalidation"]
    return sorted(batch["InvalidationBatch"]["Paths"]["Items"])


def test_cloudfront_invalidates_exactly_the_changed_paths(
    s3_url: str, bucket: str, output: Path, cloudfront: Any, distribution: str
) -> None:
    run(s3_url, bucket, output)
    (output / "fractions" / "index.html").write_text("<p>new</p>", encoding="utf-8")
    (output / "ap" / "actors" / "fractions" / "outbox.json").write_text("{}", encoding="utf-8")
    (output / "tag" / "csv" / "index.html").unlink()

    report = run(s3_url, bucket, output, delete=True, cloudfront_distribution=distribution)

    assert invalidated(cloudfront, distribution, report.invalidation_id) == [
        "/ap/actors/fractions/outbox.json",
        "/fractions/",
        "/fractions/index.html",
        "/tag/csv/",
        "/tag/csv/index.html",
    ]
    assert cdn_lines(report) == [f"CloudFront: invalidation {report.invalidation_id} of 5 paths."]
    assert run(s3_url, bucket, output, cloudfront_distribution=distribution).invalidation_id is None


def test_a_failed_invalidation_is_done_by_the_next_publish(
    s3_url: str, bucket: str, output: Path, cloudfront: Any, distribution: str
) -> None:
    run(s3_url, bucket, output)
    (output / "index.html").write_text("<p>new home</p>", encoding="utf-8")
    with pytest.raises(CdnError) as refused:
        run(s3_url, bucket, output, cloudfront_distribution="EDFDVBD6EXAMPLE")
    assert str(refused.value).startswith("there is no CloudFront distribution 'EDFDVBD6EXAMPLE': check")

    report = run(s3_url, bucket, output, cloudfront_distribution=distribution)

    assert report.uploaded == ()
    assert invalidated(cloudfront, distribution, report.invalidation_id) == ["/", "/index.html"]
    assert run(s3_url, bucket, output, cloudfront_distribution=distribution).invalidation_id is None


def test_without_cloudfront_the_changed_paths_are_printed_for_another_cdn() -> None:
    paths = tuple(f"/r/{n}/" for n in range(MAX_LISTED + 2))
    plan = make_plan([], {}, {}, delete=False)
    report = PublishReport("s3://site/", plan, ("r/0/index.html",), (), paths, None, False, 1.0)

    lines = cdn_lines(report)

    assert lines[:3] == [f"Changed paths, for your CDN to purge ({len(paths)}):", "/r/0/", "/r/1/"]
    assert len(lines) == 1 + MAX_LISTED + 1
    assert lines[-1] == "... and 2 more (--changed-paths FILE writes them all)."
