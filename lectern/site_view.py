"""What the shim knows of the site: its actors, read from the current build's WebFinger index.

The index is re-read when the build replaces it (its modification time changes), so `lectern build` next to a running
shim takes effect without a restart.
"""

from __future__ import annotations

import functools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from lectern.federation_shim import WebFingerAccount
from lectern.site_paths import WEBFINGER_INDEX_FILE


class SiteNotBuilt(Exception):
    """There is no build to serve yet."""


@dataclass(frozen=True)
class SiteIndex:
    host: str
    site_url: str
    accounts: dict[str, dict[str, str]]

    def name_of_actor(self, actor_id: str) -> str | None:
        for name, account in self.accounts.items():
            if account["actor"] == actor_id:
                return name
        return None

    @functools.cached_property
    def webfinger_accounts(self) -> dict[str, WebFingerAccount]:
        """The accounts as the toolkit's WebFinger answers them."""
        return {name: WebFingerAccount(a["actor"], a["page"]) for name, a in self.accounts.items()}


RECHECK_SECONDS = 0.5  # how soon a new build is noticed


class SiteView:
    """The current build's index, reloaded when the build changes."""

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / WEBFINGER_INDEX_FILE
        self._stamp: tuple[int, int] | None = None
        self._index: SiteIndex | None = None
        self._checked = 0.0

    def current(self) -> SiteIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked < RECHECK_SECONDS:
            return self._index  # a busy inbox need not stat the build on every request
        self._checked = now
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise SiteNotBuilt(f"{self.path} does not exist: run 'lectern build' first") from None
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if self._index is None or stamp != self._stamp:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self._index = SiteIndex(raw["host"], raw["site_url"], raw["accounts"])
            self._stamp = stamp
        return self._index
