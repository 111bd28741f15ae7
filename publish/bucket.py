"""The bucket, as publish sees it: paths under one prefix, each with its hash and headers.

Every call translates botocore's exceptions into a PublishError with one line saying what to do. Files up to 8 MB
go up with one PutObject (whose response carries the ETag to record); larger ones with boto3's multipart transfer.
Each object carries its sha256 in `x-amz-meta-sha256`, so an object whose manifest entry is missing (an interrupted
publish, a bucket filled by an older version) is recognised with one HEAD.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lectern.publish.aws_clients import MULTIPART_THRESHOLD, transfer_config
from lectern.publish.aws_errors import Place, translate
from lectern.publish.errors import PublishError
from lectern.publish.local_files import LocalFile, is_tombstone
from lectern.publish.manifest import MANIFEST_PATH, Entry, Manifest, decode, encode
from lectern.publish.plan import RemoteObject

SHA256_META = "sha256"
TOMBSTONE_META = "lectern-tombstone"
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def normalize_prefix(prefix: str) -> str:
    """'' or a key prefix ending in '/': `site` and `/site/` both become `site/`, so `site2/` is never under it."""
    parts = [part for part in prefix.strip().split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise PublishError(f"--prefix {prefix!r}: a prefix cannot contain '.' or '..' segments")
    return "".join(f"{part}/" for part in parts)


class Bucket:
    def __init__(self, client: Any, place: Place, prefix: str) -> None:
        self.client = client
        self.place = place
        self.name = place.bucket
        self.prefix = normalize_prefix(prefix)

    def key(self, path: str) -> str:
        return self.prefix + path

    @property
    def url(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def _fail(self, error: BotoCoreError | ClientError, action: str) -> PublishError:
        return translate(error, self.place, action)

    def listing(self) -> dict[str, RemoteObject]:
        """Every object under the prefix (but the manifest and folder markers), by path: one request per 1,000."""
        found: dict[str, RemoteObject] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    path = item["Key"][len(self.prefix) :]
                    if item["Key"].startswith(self.prefix) and path and not path.endswith("/"):
                        found[path] = RemoteObject(path, item["ETag"], item["Size"])
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, "list the bucket") from None
        found.pop(MANIFEST_PATH, None)
        return found

    def read_manifest(self) -> Manifest:
        try:
            response = self.client.get_object(Bucket=self.name, Key=self.key(MANIFEST_PATH))
            return decode(response["Body"].read())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return Manifest()
            raise self._fail(error, "read the publish manifest") from None
        except BotoCoreError as error:
            raise self._fail(error, "read the publish manifest") from None

    def write_manifest(self, entries: dict[str, Entry], pending_invalidation: Iterable[str] = ()) -> None:
        try:
            self.client.put_object(
                Bucket=self.name,
                Key=self.key(MANIFEST_PATH),
                Body=encode(entries, pending_invalidation),
                ContentType="application/gzip",
                CacheControl="no-store",
            )
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, "write the publish manifest") from None

    def head(self, path: str) -> Entry | None:
        """What an object's metadata says of it; None if it has no sha256 (not uploaded by lectern) or is gone."""
        try:
            response = self.client.head_object(Bucket=self.name, Key=self.key(path))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._fail(error, f"read the metadata of {path}") from None
        except BotoCoreError as error:
            raise self._fail(error, f"read the metadata of {path}") from None
        metadata = response.get("Metadata", {})
        if SHA256_META not in metadata:
            return None
        return Entry(
            sha256=metadata[SHA256_META],
            etag=response["ETag"],
            size=response["ContentLength"],
            content_type=response.get("ContentType", ""),
            cache_control=response.get("CacheControl", ""),
            tombstone=metadata.get(TOMBSTONE_META) == "true",
        )

    def inspect(self, path: str) -> Entry | None:
        """Read a (small) object the build no longer has, to learn whether it is a Tombstone."""
        try:
            response = self.client.get_object(Bucket=self.name, Key=self.key(path))
            body = response["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._fail(error, f"read {path}") from None
        except BotoCoreError as error:
            raise self._fail(error, f"read {path}") from None
        return Entry(
            sha256=response.get("Metadata", {}).get(SHA256_META, ""),
            etag=response["ETag"],
            size=len(body),
            content_type=response.get("ContentType", ""),
            cache_control=response.get("CacheControl", ""),
            tombstone=is_tombstone(path, body),
        )

    def upload(self, file: LocalFile) -> Entry:
        """Upload one file with its headers and hash; returns what to record of it. Raises a PublishError."""
        metadata = {SHA256_META: file.sha256}
        if file.tombstone:
            metadata[TOMBSTONE_META] = "true"
        extra = {"ContentType": file.content_type, "CacheControl": file.cache_control, "Metadata": metadata}
        try:
            if file.size <= MULTIPART_THRESHOLD:
                body = file.source.read_bytes()
                response = self.client.put_object(Bucket=self.name, Key=self.key(file.path), Body=body, **extra)
                etag = response["ETag"]
            else:
                self.client.upload_file(
                    str(file.source), self.name, self.key(file.path), ExtraArgs=extra, Config=transfer_config(4)
                )
                etag = self.client.head_object(Bucket=self.name, Key=self.key(file.path))["ETag"]
        except OSError as error:
            raise PublishError(
                f"{file.source}: cannot be read ({error.strerror}); rebuild with lectern build"
            ) from None
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, f"upload {file.path}") from None
        return Entry(file.sha256, etag, file.size, file.content_type, file.cache_control, file.tombstone)

    def delete(self, paths: Iterable[str]) -> list[str]:
        """Delete objects by path, 1,000 per request; returns the paths deleted. Raises a PublishError."""
        paths = sorted(paths)
        for start in range(0, len(paths), DELETE_BATCH):
            batch = paths[start : start + DELETE_BATCH]
            try:
                response = self.client.delete_objects(
                    Bucket=self.name, Delete={"Objects": [{"Key": self.key(p)} for p in batch], "Quiet": True}
                )
            except (BotoCoreError, ClientError) as error:
                raise self._fail(error, "delete objects") from None
            errors = response.get("Errors", [])
            if errors:
                first = errors[0]
                details = {"Error": {"Code": first.get("Code"), "Message": first.get("Message")}}
                raise translate(ClientError(details, "DeleteObjects"), self.place, f"delete {first.get('Key')}")
        return paths
