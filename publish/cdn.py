"""Tell the CDN what changed: the URL paths of uploaded and deleted files, and a CloudFront invalidation of them.

A page is reached as `/x/` and as `/x/index.html`, and the CDN caches each separately, so both are invalidated;
the home page is `/` and `/index.html`. Paths are percent-encoded as CloudFront asks. The paths are the files' paths
in the build: a distribution whose origin path is the publish prefix serves `/x/` from `<prefix>x/index.html`.
CloudFront takes at most 3,000 paths in one invalidation; beyond that (a first publish), one `/*` does the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from lectern.publish.errors import AccessDenied, CdnError, CredentialsMissing, EndpointUnreachable, PublishError

MAX_PATHS = 3000
_SAFE = "/-._~!$&'()+,;=:@"  # unreserved and sub-delims; '*' is encoded so it never acts as a wildcard


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """The URL paths under which the files at `paths` (relative to the output folder) are cached, sorted."""
    urls: set[str] = set()
    for path in paths:
        encoded = "/" + quote(path.lstrip("/"), safe=_SAFE)
        urls.add(encoded)
        if encoded == "/index.html" or encoded.endswith("/index.html"):
            urls.add(encoded[: -len("index.html")])
    return sorted(urls)


def invalidation_batch(urls: list[str]) -> list[str]:
    """What to send: the paths themselves, or `/*` when there are more than CloudFront takes at once."""
    return urls if len(urls) <= MAX_PATHS else ["/*"]


def invalidate_cloudfront(client: Any, distribution_id: str, urls: list[str]) -> str:
    """Create an invalidation of `urls` on the distribution; returns its id. Raises a PublishError."""
    items = invalidation_batch(urls)
    try:
        response = client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(items), "Items": items},
                "CallerReference": f"lectern-publish-{time.time_ns()}",
            },
        )
    except ClientError as error:
        raise _cdn_error(error, distribution_id) from None
    except EndpointConnectionError:
        raise EndpointUnreachable(
            "cannot reach CloudFront to invalidate the changed paths: check the network (or "
            "AWS_ENDPOINT_URL_CLOUDFRONT), then run lectern publish again"
        ) from None
    except BotoCoreError as error:
        if "credentials" in str(error).lower():
            raise CredentialsMissing(
                "no credentials for CloudFront: the same AWS credentials as for the bucket are used; set them, "
                "then run lectern publish again"
            ) from None
        raise CdnError(f"the CloudFront invalidation failed: {error}") from None
    return str(response["Invalidation"]["Id"])


def _cdn_error(error: ClientError, distribution_id: str) -> PublishError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code == "NoSuchDistribution":
        return CdnError(
            f"there is no CloudFront distribution {distribution_id!r}: check --cloudfront-distribution "
            "(or LECTERN_CLOUDFRONT_DISTRIBUTION); the files are uploaded, run lectern publish again to invalidate"
        )
    if code in ("AccessDenied", "AccessDeniedException"):
        return AccessDenied(
            f"access denied to CloudFront distribution {distribution_id!r}: the credentials need "
            "cloudfront:CreateInvalidation on it"
        )
    message = str(error.response.get("Error", {}).get("Message", "")).rstrip(".")
    return CdnError(f"CloudFront refused the invalidation ({code}: {message}); the files are uploaded")
