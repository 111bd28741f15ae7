"""Fixtures for publishing: a real S3-compatible server (moto) on loopback, a fresh bucket per test, dummy
credentials, and a scratch copy of the example build that a test may change."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lectern.publish.aws_clients import new_session
from lectern.publish.publisher import PublishReport, PublishRequest, publish
from lectern.settings import Settings

ENV_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_CLOUDFRONT",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_REGION",
    "LECTERN_DELIVER_TOKEN",
    "LECTERN_CLOUDFRONT_DISTRIBUTION",
)


SERVER = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # until the test session closes our stdin
"""


@pytest.fixture(scope="session")
def s3_url() -> Iterator[str]:
    """A moto server (S3 and CloudFront) in its own process on a free loopback port, for the whole session."""
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdin is not None
    port = process.stdout.readline().strip()
    assert port.isdigit(), "the moto server did not start"
    yield f"http://127.0.0.1:{port}"
    process.stdin.close()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Dummy credentials, no profile files, no instance metadata lookups: nothing reaches a real AWS account."""
    for name in ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def s3(s3_url: str) -> Any:
    return boto3.client("s3", endpoint_url=s3_url)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"site-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def output(built_site: tuple[Settings, Path], tmp_path: Path) -> Path:
    """A copy of the example build, free to change."""
    return Path(shutil.copytree(built_site[1], tmp_path / "output"))


class RequestCounter:
    """Counts the S3 requests a boto3 session makes, by operation (PutObject, UploadPart, HeadObject ...)."""

    def __init__(self) -> None:
        self.session = new_session()
        self.calls: Counter[str] = Counter()
        self.session.events.register("before-call.s3", self._count)

    def _count(self, model: Any, **kwargs: Any) -> None:
        self.calls[model.name] += 1

    @property
    def puts(self) -> int:
        return self.calls["PutObject"] + self.calls["UploadPart"]

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def counter() -> RequestCounter:
    return RequestCounter()


def failing_session(fail: str, code: str = "InternalError", attempts: list[str] | None = None) -> boto3.session.Session:
    """A session whose PutObject of keys ending in `fail` is refused with `code`, before it reaches the server."""
    session = new_session()

    def refuse(params: dict[str, Any], **kwargs: Any) -> None:
        if params["Key"].endswith(fail):
            if attempts is not None:
                attempts.append(params["Key"])
            raise ClientError({"Error": {"Code": code, "Message": "refused for the test"}}, "PutObject")

    session.events.register("before-parameter-build.s3.PutObject", refuse)
    return session


def run(
    s3_url: str, bucket: str, output: Path, session: boto3.session.Session | None = None, **options: Any
) -> PublishReport:
    """One publish of `output` to `bucket` on the loopback server."""
    request = PublishRequest(output_dir=output, bucket=bucket, endpoint_url=s3_url, workers=8, **options)
    return publish(request, session=session)


def keys(s3: Any, bucket: str) -> dict[str, str]:
    """Every object in the bucket, key -> ETag."""
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.update({item["Key"]: item["ETag"] for item in page.get("Contents", [])})
    return found
