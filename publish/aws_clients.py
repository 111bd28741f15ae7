"""boto3 clients for publishing, with the standard credential chain and settings that suit many small uploads.

Credentials come from boto3's own chain (environment, AWS_PROFILE and ~/.aws, web identity in CI, instance or task
role); nothing here reads them. The endpoint is `--endpoint-url` or boto3's AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3
(MinIO, Ceph, Garage, R2, B2, Scaleway ...); CloudFront's endpoint can be moved with AWS_ENDPOINT_URL_CLOUDFRONT.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from lectern.publish.aws_errors import Place, translate

MB = 1024 * 1024
MULTIPART_THRESHOLD = 8 * MB  # files larger than this go up in 8 MB parts


def new_session() -> boto3.session.Session:
    """A boto3 session whose clients leave timestamps as text: publish reads none of them, and parsing the
    LastModified of every listed object costs more than a tenth of listing 20,000 objects."""
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
    return boto3.session.Session(botocore_session=core)


def transfer_config(workers: int) -> TransferConfig:
    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_THRESHOLD,
        max_concurrency=max(2, min(workers, 8)),
    )


def client_config(workers: int) -> Config:
    return Config(
        max_pool_connections=workers + 8,
        retries={"mode": "standard"},  # 3 attempts; AWS_MAX_ATTEMPTS changes that
        connect_timeout=5,
        read_timeout=60,
        user_agent_extra="lectern-publish",
    )


def s3_client(place: Place, workers: int, session: boto3.session.Session | None = None) -> Any:
    """An S3 client for `place`; raises a PublishError (no region, unknown profile) rather than botocore's."""
    try:
        session = session or new_session()
        return session.client(
            "s3", endpoint_url=place.endpoint_url, region_name=place.region, config=client_config(workers)
        )
    except BotoCoreError as error:
        raise translate(error, place, "connect") from None


def cloudfront_client(place: Place, session: boto3.session.Session | None = None) -> Any:
    try:
        session = session or new_session()
        return session.client("cloudfront", config=client_config(1))
    except BotoCoreError as error:
        raise translate(error, place, "connect to CloudFront") from None
