"""Failures a person can act on: one line on stderr naming what to do, exit status 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lectern.publish.aws_errors import Place, translate
from lectern.publish.errors import AccessDenied, CredentialsRejected, WrongRegion
from lectern.settings import Settings
from tests.lectern_server import free_port


def lectern(settings: Settings, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args],
        cwd=settings.project_dir,
        capture_output=True,
        text=True,
        timeout=120,
        env=env or dict(os.environ),
    )


def closed_port() -> int:
    """A port nothing listens on, below the kernel's ephemeral range (so no other socket is handed it meanwhile)."""
    return free_port()


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lectern: ")
    return lines[0]


def test_an_unknown_bucket_says_to_check_the_name(built_site: tuple[Settings, Path], s3_url: str) -> None:
    settings, output = built_site
    result = lectern(
        settings, "publish", "--bucket", "no-such-bucket", "--endpoint-url", s3_url, "--output", str(output)
    )
    assert one_line(result) == (
        f"lectern: there is no bucket 'no-such-bucket' at {s3_url}: check --bucket (and --region or "
        "--endpoint-url), or create the bucket first"
    )


def test_an_unreachable_endpoint_says_to_check_the_address(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    endpoint = f"http://127.0.0.1:{closed_port()}"
    env = {**os.environ, "AWS_MAX_ATTEMPTS": "1"}  # no retries with backoff: the message is the same after them
    result = lectern(
        settings, "publish", "--bucket", "site", "--endpoint-url", endpoint, "--output", str(output), env=env
    )
    assert one_line(result) == (
        f"lectern: cannot reach the storage at {endpoint}: check --endpoint-url (or AWS_ENDPOINT_URL) and the "
        "network, then run lectern publish again"
    )


def test_missing_credentials_say_where_boto3_looks(built_site: tuple[Settings, Path], s3_url: str) -> None:
    settings, output = built_site
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    result = lectern(
        settings, "publish", "--bucket", "site", "--endpoint-url", s3_url, "--output", str(output), env=env
    )
    assert one_line(result) == (
        "lectern: no usable storage credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "or AWS_PROFILE for a profile in ~/.aws/credentials, or run where an instance role provides them"
    )


def test_a_missing_build_says_to_build_first(built_site: tuple[Settings, Path], tmp_path: Path) -> None:
    settings, _ = built_site
    result = lectern(settings, "publish", "--bucket", "site", "--output", str(tmp_path / "nothing"))
    assert one_line(result) == (
        f"lectern: {tmp_path / 'nothing'} does not exist: run lectern build first, or pass --output with the "
        "built folder"
    )


PLACE = Place("oer-site", None, "eu-west-1")


def client_error(code: str, headers: dict[str, str] | None = None) -> ClientError:
    response = {"Error": {"Code": code, "Message": "refused"}, "ResponseMetadata": {"HTTPHeaders": headers or {}}}
    return ClientError(response, "ListObjectsV2")


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        (
            "AccessDenied",
            AccessDenied,
            "access denied to bucket 'oer-site' when trying to list the bucket: the "
            "credentials need s3:ListBucket, s3:GetObject and s3:PutObject on it (and s3:DeleteObject for --delete)",
        ),
        (
            "InvalidAccessKeyId",
            CredentialsRejected,
            "the storage at AWS S3 (eu-west-1) rejected the credentials "
            "(InvalidAccessKeyId): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
        ),
        ("PermanentRedirect", WrongRegion, "bucket 'oer-site' is in region us-west-2: pass --region us-west-2"),
    ],
)
def test_refusals_by_aws_say_what_to_change(code: str, kind: type[Exception], message: str) -> None:
    error = translate(client_error(code, {"x-amz-bucket-region": "us-west-2"}), PLACE, "list the bucket")
    assert isinstance(error, kind)
    assert str(error) == message
