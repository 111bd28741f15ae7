"""What the current build says about the site's own objects, for the inbox: which resource an id names, who may
quote a resource, and which collections ask before accepting a follower.

Read from the output folder the shim serves: the manifest (`lectern.manifest`: each resource's Note and Page ids)
and the documents themselves (a Note's FEP-044f `interactionPolicy`, an actor's `manuallyApprovesFollowers`), so the
inbox applies exactly what the published documents promise. Each file is re-read when the build replaces it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Literal

from lectern.federation_shim import PUBLIC
from lectern.manifest import MANIFEST_FILE, BadManifest, read_manifest
from lectern.site_paths import SitePaths

QuotePolicy = Literal["everyone", "followers", "nobody"]
MAX_DOCUMENT = 1024 * 1024
CACHED_DOCUMENTS = 256
RECHECK_SECONDS = 0.5  # how soon a new build's manifest is noticed


class SiteObjects:
    def __init__(self, output_dir: Path, site_url: str) -> None:
        self.output_dir = output_dir
        self.paths = SitePaths(site_url)
        self._manifest_stamp: tuple[int, int] | None = None
        self._checked = -RECHECK_SECONDS
        self._resources: dict[str, str] = {}
        self._notes: dict[str, str] = {}
        self._documents: dict[str, tuple[tuple[int, int], dict[str, Any] | None]] = {}

    def resource_of(self, object_id: str) -> str | None:
        """The key of the resource whose Note or Page (of any generation still live) `object_id` is."""
        self._refresh()
        return self._resources.get(object_id)

    def note_of(self, key: str) -> str | None:
        """The id of the live Note of the resource `key`."""
        self._refresh()
        return self._notes.get(key)

    def document(self, object_id: str) -> dict[str, Any] | None:
        """The JSON document the build published at `object_id` (one of our URLs), or None."""
        try:
            path = self.output_dir / self.paths.output_file(object_id.split("#", 1)[0])
            stat = os.stat(path)
        except (ValueError, OSError):
            return None
        stamp = (stat.st_mtime_ns, stat.st_ino)
        cached = self._documents.get(object_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        document: dict[str, Any] | None = None
        if stat.st_size <= MAX_DOCUMENT:
            try:
                loaded = json.loads(path.read_bytes())
                document = loaded if isinstance(loaded, dict) else None
            except (OSError, ValueError):
                document = None
        if len(self._documents) >= CACHED_DOCUMENTS:
            self._documents.clear()
        self._documents[object_id] = (stamp, document)
        return document

    def quote_policy(self, object_id: str, collection_followers: str) -> QuotePolicy:
        """Who may quote the Note `object_id` without asking, as its `interactionPolicy.canQuote` says."""
        note = self.document(object_id) or {}
        policy = note.get("interactionPolicy")
        can_quote = policy.get("canQuote") if isinstance(policy, dict) else None
        if not isinstance(can_quote, dict):
            return "everyone"  # a build from before quote policies: Lectern's default
        allowed = can_quote.get("automaticApproval")
        allowed = allowed if isinstance(allowed, list) else [allowed]
        if PUBLIC in allowed:
            return "everyone"
        return "followers" if collection_followers in allowed else "nobody"

    def approves_followers(self, actor_id: str) -> bool:
        """Whether our actor `actor_id` asks its curator before accepting a follower (a classroom collection)."""
        actor = self.document(actor_id) or {}
        return actor.get("manuallyApprovesFollowers") is True

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < RECHECK_SECONDS:
            return  # a busy inbox need not stat the build on every request (as lectern.site_view)
        self._checked = now
        try:
            stat = os.stat(self.output_dir / MANIFEST_FILE)
        except OSError:
            self._resources, self._manifest_stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp == self._manifest_stamp:
            return
        try:
            manifest = read_manifest(self.output_dir)
        except (OSError, BadManifest):
            return  # keep what the previous build said until a readable one replaces it
        self._resources = {i.object: i.key for i in manifest.items} | {i.page: i.key for i in manifest.items}
        self._notes = {i.key: i.object for i in manifest.items}
        self._manifest_stamp = stamp
