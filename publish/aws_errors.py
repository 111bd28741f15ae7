"""Turn botocore's exceptions into one-line PublishErrors that say what to do.

The storage is named by where it is (`--endpoint-url`, or AWS S3 in a region), the bucket by its name, and each
message ends with the fix: which variable to set, which option to pass, which permission the credentials need.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from lectern.publish.errors import (
    AccessDenied,
    BucketNotFound,
    CredentialsMissing,
    CredentialsRejected,
    EndpointUnreachable,
    PublishError,
    StorageError,
    WrongRegion,
)

CREDENTIALS_HELP = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE for a profile in ~/.aws/credentials, "
    "or run where an instance role provides them"
)
_REJECTED = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
}
_DENIED = {"AccessDenied", "AllAccessDisabled", "AccessDeniedException", "Forbidden", "403"}
_REGION = {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "301"}


@dataclass(frozen=True)
class Place:
    """Where the storage is, for messages: the bucket and the endpoint (None: AWS S3) and region."""

    bucket: str
    endpoint_url: str | None
    region: str | None

    @property
    def storage(self) -> str:
        if self.endpoint_url:
            return self.endpoint_url
        return f"AWS S3 ({self.region})" if self.region else "AWS S3"


def translate(error: BotoCoreError | ClientError, place: Place, action: str) -> PublishError:
    """The PublishError for `error`, raised while trying to `action` (e.g. "list the bucket", "upload a/b.html")."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError | CredentialRetrievalError):
        return CredentialsMissing(f"no usable storage credentials were found: {CREDENTIALS_HELP}")
    if isinstance(error, ProfileNotFound):
        return CredentialsMissing(f"{error}: check AWS_PROFILE, or {CREDENTIALS_HELP}")
    if isinstance(error, NoRegionError):
        return WrongRegion("no region is configured: pass --region (e.g. --region eu-west-1) or set AWS_REGION")
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        return EndpointUnreachable(
            f"cannot reach the storage at {place.storage}: check --endpoint-url (or AWS_ENDPOINT_URL) "
            "and the network, then run lectern publish again"
        )
    if isinstance(error, ReadTimeoutError):
        return EndpointUnreachable(
            f"the storage at {place.storage} stopped answering while trying to {action}: run lectern publish again"
        )
    if isinstance(error, ClientError):
        return _client_error(error, place, action)
    return StorageError(f"could not {action} at {place.storage}: {error}")


def _client_error(error: ClientError, place: Place, action: str) -> PublishError:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", "")).rstrip(".")
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    if code == "NoSuchBucket":
        return BucketNotFound(
            f"there is no bucket {place.bucket!r} at {place.storage}: check --bucket (and --region or "
            "--endpoint-url), or create the bucket first"
        )
    if code in _REJECTED:
        return CredentialsRejected(
            f"the storage at {place.storage} rejected the credentials ({code}): check AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
        )
    if code in _DENIED:
        return AccessDenied(
            f"access denied to bucket {place.bucket!r} when trying to {action}: the credentials need "
            "s3:ListBucket, s3:GetObject and s3:PutObject on it (and s3:DeleteObject for --delete)"
        )
    if code in _REGION:
        region = headers.get("x-amz-bucket-region") or details.get("Region")
        where = f"in region {region}: pass --region {region}" if region else "in another region: pass its --region"
        return WrongRegion(f"bucket {place.bucket!r} is {where}")
    return StorageError(
        f"the storage at {place.storage} refused to {action} ({code or 'error'}: {message or 'no details'})"
    )
