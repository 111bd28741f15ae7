"""One publish: scan the build, compare with the bucket, upload what changed in parallel, delete, record, tell the CDN.

The bucket's state comes from one listing (1,000 objects per request) and the manifest an earlier publish left
(one GET), fetched while the build is scanned and hashed; HEADs only for objects the manifest does not vouch for,
GETs only for ActivityPub documents `--delete` might remove (to spare Tombstones). A publish with nothing to do
therefore makes no PUT at all.

Order matters for readers and followers: files others point to go up first, then the pages and collections pointing
to them; deletions come after every upload succeeded; the manifest is written last; the CDN is told once the bucket is
complete. Interrupted anywhere (a failure, Ctrl-C), it can simply be run again: uploaded objects carry their sha256,
and paths whose CDN invalidation did not happen are kept in the manifest for the next run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO, TypeVar

import boto3

from lectern.publish.aws_clients import cloudfront_client, s3_client
from lectern.publish.aws_errors import Place
from lectern.publish.bucket import Bucket
from lectern.publish.cdn import invalidate_cloudfront, invalidation_paths
from lectern.publish.errors import (
    AccessDenied,
    BucketNotFound,
    CredentialsMissing,
    CredentialsRejected,
    EndpointUnreachable,
    PublishError,
    UploadFailed,
    WrongRegion,
)
from lectern.publish.local_files import LocalFile, check_build, scan_output
from lectern.publish.manifest import Entry
from lectern.publish.plan import Plan, RemoteObject, make_plan, paths_to_head, paths_to_inspect, trusted_entries, waves
from lectern.publish.progress import Progress

logger = logging.getLogger(__name__)

# Failures that every further request would repeat: stop at the first instead of failing 20,000 times.
SYSTEMIC = (CredentialsMissing, CredentialsRejected, AccessDenied, BucketNotFound, EndpointUnreachable, WrongRegion)
T = TypeVar("T")


@dataclass(frozen=True)
class PublishRequest:
    output_dir: Path
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    delete: bool = False
    dry_run: bool = False
    cloudfront_distribution: str | None = None
    workers: int = 16


@dataclass(frozen=True)
class PublishReport:
    bucket_url: str
    plan: Plan
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    cdn_paths: tuple[str, ...]
    invalidation_id: str | None
    dry_run: bool
    seconds: float


def publish(
    request: PublishRequest, session: boto3.session.Session | None = None, progress_stream: TextIO | None = None
) -> PublishReport:
    """Publish the build in `request.output_dir` to the bucket. Raises a PublishError saying what to do."""
    started = time.perf_counter()
    place = Place(request.bucket, request.endpoint_url, request.region)
    check_build(request.output_dir)
    client = s3_client(place, request.workers, session)
    bucket = Bucket(client, _where(place, client), request.prefix)
    with ThreadPoolExecutor(max_workers=request.workers, thread_name_prefix="publish") as pool:
        # The listing mostly waits on the network and the scan mostly uses the CPU: both at once.
        remote = pool.submit(bucket.listing)
        recorded = pool.submit(bucket.read_manifest)
        files = scan_output(request.output_dir)
        listing, manifest = remote.result(), recorded.result()
        known = trusted_entries(manifest.entries, listing)
        logger.info(
            "%d files in the build, %d objects in %s, %d vouched for by the manifest",
            len(files),
            len(listing),
            bucket.url,
            len(known),
        )
        to_head = paths_to_head(files, listing, known)
        known.update(_gather(pool, bucket.head, to_head))
        to_inspect = paths_to_inspect(files, listing, known) if request.delete else []
        known.update(_gather(pool, bucket.inspect, to_inspect))
        plan = make_plan(files, listing, known, request.delete)
        logger.info(
            "%d HEADs and %d GETs to learn the rest; %d uploads, %d deletions, %d unchanged",
            len(to_head),
            len(to_inspect),
            len(plan.uploads),
            len(plan.deletions),
            len(plan.unchanged),
        )
        changed = invalidation_paths([*(f.path for f in plan.uploads), *plan.deletions])
        pending = set(manifest.pending_invalidation) if request.cloudfront_distribution else set()
        cdn_paths = tuple(sorted(set(changed) | pending))
        if request.dry_run:
            return PublishReport(bucket.url, plan, (), (), cdn_paths, None, True, time.perf_counter() - started)
        progress = Progress(len(plan.uploads), plan.upload_bytes, progress_stream)
        uploaded, failed, systemic = _upload(pool, bucket, plan, progress)
        progress.close()

    entries = _records(listing, known, uploaded, plan)
    if failed or systemic:
        done = invalidation_paths(uploaded) if request.cloudfront_distribution else []
        _record_partial(bucket, entries, pending | set(done))
        raise systemic or UploadFailed(failed)
    deleted: tuple[str, ...] = tuple(bucket.delete(plan.deletions)) if plan.deletions else ()
    for path in deleted:
        entries.pop(path, None)
    invalidation_id = None
    if request.cloudfront_distribution and cdn_paths:
        try:
            client = cloudfront_client(place, session)
            invalidation_id = invalidate_cloudfront(client, request.cloudfront_distribution, list(cdn_paths))
        except PublishError:
            _record_partial(bucket, entries, set(cdn_paths))
            raise
    if entries != manifest.entries or manifest.pending_invalidation:
        bucket.write_manifest(entries)
    return PublishReport(
        bucket.url,
        plan,
        tuple(sorted(uploaded)),
        deleted,
        cdn_paths,
        invalidation_id,
        False,
        time.perf_counter() - started,
    )


def _where(place: Place, client: Any) -> Place:
    """The place as the client resolved it (AWS_ENDPOINT_URL, the profile's region), for messages that name it."""
    endpoint = place.endpoint_url or client.meta.endpoint_url
    if not place.endpoint_url and ".amazonaws.com" in endpoint:
        endpoint = None
    return replace(place, endpoint_url=endpoint, region=place.region or client.meta.region_name)


def _record_partial(bucket: Bucket, entries: dict[str, Entry], pending: set[str]) -> None:
    """Record what a failed publish did and what the CDN still has to hear; if even that fails, the objects' sha256
    metadata will tell the next publish what is there (only the pending invalidation is lost)."""
    try:
        bucket.write_manifest(entries, pending)
    except PublishError as error:
        logger.warning("the publish manifest could not be updated: %s", error)


def _gather(pool: ThreadPoolExecutor, fetch: Callable[[str], Entry | None], paths: list[str]) -> dict[str, Entry]:
    """Fetch what is known of `paths` in parallel; paths that tell nothing (no metadata, gone) are left out."""
    found = dict(zip(paths, pool.map(fetch, paths), strict=True))
    return {path: entry for path, entry in found.items() if entry is not None}


def _upload(
    pool: ThreadPoolExecutor, bucket: Bucket, plan: Plan, progress: Progress
) -> tuple[dict[str, Entry], dict[str, str], PublishError | None]:
    """Upload in two waves; returns what went up, what failed (path -> reason) and a systemic error, if any."""
    uploaded: dict[str, Entry] = {}
    failed: dict[str, str] = {}
    stop = threading.Event()
    systemic: list[PublishError] = []

    def upload_one(file: LocalFile) -> None:
        if stop.is_set():
            return
        try:
            uploaded[file.path] = bucket.upload(file)
            progress.advance(file.size)
        except SYSTEMIC as error:
            stop.set()
            systemic.append(error)
        except PublishError as error:
            failed[file.path] = str(error)

    for wave in waves(plan.uploads):
        _run_all(pool, upload_one, wave, stop)
        if failed or systemic:
            break
    return uploaded, failed, systemic[0] if systemic else None


def _run_all(pool: ThreadPoolExecutor, work: Callable[[T], None], items: Iterable[T], stop: threading.Event) -> None:
    futures: list[Future[None]] = [pool.submit(work, item) for item in items]
    try:
        for future in as_completed(futures):
            future.result()
    except BaseException:  # Ctrl-C or a bug: stop the queued uploads, let running ones finish, then re-raise
        stop.set()
        for future in futures:
            future.cancel()
        raise


def _records(
    listing: dict[str, RemoteObject],
    known: dict[str, Entry],
    uploaded: dict[str, Entry],
    plan: Plan,
) -> dict[str, Entry]:
    """The manifest after this publish: uploaded files, unchanged ones, and the known objects left in the bucket."""
    attempted = {f.path for f in plan.uploads}  # what was known of these is stale, uploaded or not
    entries = {path: entry for path, entry in known.items() if path in listing and path not in attempted}
    entries.update(uploaded)
    return entries
