"""Delivery from the outside: queue what the current build means for followers, then send it.

Used by `lectern deliver` (once, until nothing is due), by `lectern serve` (a background task that notices each new
build), and by the authenticated trigger `POST /_lectern/deliver` that `lectern publish` calls after an upload.

While another process holds the database's write lock, both wait without blocking their event loop and go on when
it is released: `lectern deliver` says so once and gives up after `Settings.busy_patience` seconds
(LECTERN_BUSY_PATIENCE); `lectern serve` logs it and keeps trying (as it does while the disk is full). A delivery
interrupted this way is sent again later (receivers deduplicate by activity id).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from lectern.built_site import shown
from lectern.delivery_plan import Plan, plan_delivery
from lectern.federation_shim import (
    DATABASE_BUSY,
    DeliveryWorker,
    InboxClient,
    ShimStorage,
    StorageUnavailable,
    WorkerStats,
    storage_fault,
)
from lectern.manifest import MANIFEST_FILE, BadManifest, read_manifest
from lectern.settings import Settings
from lectern.shim_storage import open_shim_storage
from lectern.site_paths import SitePaths
from lectern.told_record import PlanRecorder, plan_recorder

logger = logging.getLogger(__name__)


BUSY_PAUSE = 0.5
BUSY_WARNING_EVERY = 60.0  # `lectern serve` logs a busy database or a full disk once a minute, not at every try


@dataclass(frozen=True)
class QueueReport:
    activities: int
    jobs: int
    baseline: bool
    resources: int
    late: tuple[str, ...] = ()  # new resources published longer ago than Mastodon's real-time window


# Mastodon puts a status into followers' home timelines only while its `published` is less than six hours old
# (`Status::REAL_TIME_WINDOW`, `within_realtime_window?` in app/models/status.rb, checked by create.rb and
# announce.rb before `DistributionWorker`)
REAL_TIME_WINDOW = timedelta(hours=6)


def published_late(plan: Plan, now: datetime) -> tuple[str, ...]:
    """The ids of the Notes this plan creates that were published before Mastodon's real-time window: their
    followers will find them on the collection's page and profile, but not in their home timeline."""
    late = []
    for planned in plan.activities:
        activity = planned.activity
        note = activity.get("object")
        if activity.get("type") != "Create" or not isinstance(note, dict) or not isinstance(note.get("published"), str):
            continue
        try:
            published = datetime.fromisoformat(note["published"].replace("Z", "+00:00"))
        except ValueError:
            continue
        if now - published > REAL_TIME_WINDOW:
            late.append(str(note.get("id")))
    return tuple(late)


class NoBuild(Exception):
    pass


class BuiltForAnotherSite(NoBuild):
    """The output holds a build, but for another site URL than the one this shim signs and answers for: delivering it
    would sign with a key id on the wrong host, which every receiving server refuses."""


def manifest_path(settings: Settings) -> Path:
    return settings.output_dir / MANIFEST_FILE


def queue_pending(settings: Settings, store: PlanRecorder, now: float | None = None) -> QueueReport:
    """Compare the current build with what followers were told; queue a job per inbox for every difference."""
    path = manifest_path(settings)
    try:
        manifest = read_manifest(settings.output_dir)
    except FileNotFoundError:
        raise NoBuild(f"{path} does not exist: run 'lectern build' first") from None
    except BadManifest as error:
        raise NoBuild(str(error)) from None
    if manifest.site_url != settings.site_url:
        raise BuiltForAnotherSite(
            f"{shown(settings.output_dir)} was built for {manifest.site_url}, but this shim serves "
            f"{settings.site_url}: rebuild with 'lectern build --site-url {settings.site_url}', or restart the shim "
            f"with LECTERN_SITE_URL={manifest.site_url}"
        )
    paths = SitePaths(manifest.site_url)

    def load(document_id: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((settings.output_dir / paths.output_file(document_id)).read_text("utf-8"))
        return document

    moment = time.time() if now is None else now
    when = datetime.fromtimestamp(moment, UTC)
    plan, jobs = store.plan_and_record(
        lambda delivered, first_run: plan_delivery(manifest, delivered, first_run, load, when),
        manifest.site_url,
        manifest.site_actor,
        moment,
    )
    if plan.baseline:
        logger.info(
            "first delivery run: %d existing resources recorded as known; only changes from now on are sent",
            len(plan.delivered),
        )
    elif plan.activities:
        logger.info("queued %d activities as %d deliveries", len(plan.activities), jobs)
    late = () if plan.baseline else published_late(plan, when)
    for note_id in late:
        logger.warning("%s was published more than 6 hours ago: Mastodon will not put it in home timelines", note_id)
    return QueueReport(len(plan.activities), jobs, plan.baseline, len(manifest.items), late)


def make_worker(
    settings: Settings,
    storage: ShimStorage,
    private_key: RSAPrivateKey,
    *,
    timeout: float | None = None,
    concurrency: int = 256,
    per_host: int = 4,
) -> DeliveryWorker:
    client = InboxClient(
        allow_private_addresses=settings.allow_private_addresses,
        timeout=timeout or settings.delivery_timeout,
        idle_per_host=per_host,
    )
    paths = SitePaths(settings.site_url)
    return DeliveryWorker(
        storage.deliveries,
        private_key,
        paths.key_id,
        client,
        storage.followers,
        concurrency=concurrency,
        per_host=per_host,
    )


async def deliver_once(
    settings: Settings,
    private_key: RSAPrivateKey,
    *,
    timeout: float | None = None,
    concurrency: int = 256,
    on_wait: Callable[[str], None] = lambda message: None,
    patience: float | None = None,
) -> tuple[QueueReport, WorkerStats]:
    """Queue what is pending, then send until nothing is due (`lectern deliver`). While the database is busy, tell
    `on_wait` once and try again, for up to `patience` seconds (`settings.busy_patience`); then raise
    StorageUnavailable."""
    deadline = time.monotonic() + (settings.busy_patience if patience is None else patience)
    told = False
    while True:
        try:
            return await _deliver_once(settings, private_key, timeout, concurrency)
        except (StorageUnavailable, sqlite3.Error) as error:
            fault = _busy(error)
            if fault is None:
                raise
            if time.monotonic() + BUSY_PAUSE > deadline:
                raise fault from error
            if not told:
                on_wait(f"{fault}; waiting for it (up to {deadline - time.monotonic():.0f} s)")
                told = True
        await asyncio.sleep(BUSY_PAUSE)


def _busy(error: BaseException) -> StorageUnavailable | None:
    fault = storage_fault(error, "the shim's database")
    return fault if fault is not None and fault.reason == DATABASE_BUSY else None


async def _deliver_once(
    settings: Settings, private_key: RSAPrivateKey, timeout: float | None, concurrency: int
) -> tuple[QueueReport, WorkerStats]:
    storage = open_shim_storage(settings, on_event_loop=True)
    try:
        worker = make_worker(settings, storage, private_key, timeout=timeout, concurrency=concurrency)
        try:
            report = queue_pending(settings, plan_recorder(storage))
            stats = await worker.run(until_idle=True)
            return report, stats
        finally:
            await worker.client.close()
            worker.close()
    finally:
        storage.close()


async def watch_and_deliver(
    settings: Settings, store: PlanRecorder, worker: DeliveryWorker, stop: asyncio.Event, poll: float = 1.0
) -> None:
    """`lectern serve`'s background task: queue each new build as it appears, and keep the worker sending."""
    path = manifest_path(settings)
    seen: tuple[int, int] | None = None

    async def watch() -> None:
        nonlocal seen
        while not stop.is_set():
            try:
                stat = path.stat()
                stamp = (stat.st_mtime_ns, stat.st_ino)
                if stamp != seen:
                    seen = stamp
                    if queue_pending(settings, store).jobs:
                        worker.wake.set()
            except FileNotFoundError:
                pass
            except BuiltForAnotherSite as wrong:  # once per build: the next build gets another look
                logger.warning("not delivering the new build: %s", wrong)
            except (StorageUnavailable, sqlite3.Error) as error:
                fault = storage_fault(error, "the shim's database")
                if fault is None:
                    logger.exception("could not queue deliveries for the current build")
                else:
                    seen = None  # queue this build once the database can take it
                    logger.warning("could not queue deliveries yet: %s", fault)
            except Exception:  # a broken build must not stop the shim; the next build gets another try
                logger.exception("could not queue deliveries for the current build")
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll)
            except TimeoutError:
                pass

    async def send() -> None:
        warned = -BUSY_WARNING_EVERY
        while not stop.is_set():
            try:
                await worker.run(until_idle=False, stop=stop)
            except (StorageUnavailable, sqlite3.Error) as error:
                fault = storage_fault(error, "the shim's database")  # busy, or a full disk: both pass
                if fault is None:
                    raise
                if time.monotonic() - warned >= BUSY_WARNING_EVERY:
                    warned = time.monotonic()
                    logger.warning("deliveries paused until the database is free: %s", fault)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=BUSY_PAUSE * 2)
                except TimeoutError:
                    pass

    await asyncio.gather(watch(), send())
