"""What each file of a built site is, for servers that cannot negotiate: its Content-Type and its Cache-Control.

Static hosts serve a file with the type its name says; Mastodon ignores an ActivityPub body served with another type,
so the ActivityPub documents (`.json` under `ap/`), the WebFinger index, host-meta and NodeInfo get explicit types.
The same table serves `lectern serve` and `lectern publish`, so what a follower's server sees locally is what it sees
from the CDN.

Cache policy: HTML, actors, outboxes and discovery documents change with every build: short, revalidated.
Fingerprinted assets (a content hash in the name: `lectern.3f2a9c1b.css`) never change: a year, immutable.
Everything else (hosted files, images): an hour.
"""

from __future__ import annotations

import mimetypes
import re

ACTIVITY_JSON = "application/activity+json"
SHORT = "public, max-age=60, must-revalidate"
HOUR = "public, max-age=3600"
IMMUTABLE = "public, max-age=31536000, immutable"

_FINGERPRINT = re.compile(r"\.[0-9a-f]{8,64}\.[A-Za-z0-9]+$")
_EXACT = {
    ".well-known/host-meta": "application/xrd+xml; charset=utf-8",
    ".well-known/nodeinfo": "application/json; charset=utf-8",
    "nodeinfo/2.1.json": 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
}
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
               "application/atom+xml", "application/rss+xml")
_EXTRA = {".atom.xml": "application/atom+xml", ".jsonld": "application/ld+json", ".webmanifest":
          "application/manifest+json", ".md": "text/markdown", ".csv": "text/csv", ".svg": "image/svg+xml",
          ".webp": "image/webp", ".js": "application/javascript", ".mjs": "application/javascript",
          ".ico": "image/x-icon", ".woff2": "font/woff2", ".odt": "application/vnd.oasis.opendocument.text",
          ".odp": "application/vnd.oasis.opendocument.presentation",
          ".ods": "application/vnd.oasis.opendocument.spreadsheet"}


def is_activitypub(path: str) -> bool:
    return path.startswith("ap/") and path.endswith(".json")


def content_type(path: str) -> str:
    """The Content-Type of the output file at `path` (relative to the output folder, '/'-separated)."""
    path = path.lstrip("/")
    if path in _EXACT:
        return _EXACT[path]
    if path == "ap/webfinger.json":
        return "application/json; charset=utf-8"
    if is_activitypub(path):
        return ACTIVITY_JSON
    guessed = next((kind for suffix, kind in _EXTRA.items() if path.endswith(suffix)), None)
    guessed = guessed or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if guessed.startswith(_TEXT_TYPES) and "charset" not in guessed:
        guessed += "; charset=utf-8"
    return guessed


def cache_control(path: str) -> str:
    path = path.lstrip("/")
    if _FINGERPRINT.search(path):
        return IMMUTABLE
    kind = content_type(path)
    if kind.startswith(("text/html", ACTIVITY_JSON, "application/json", "application/xrd", "application/atom")):
        return SHORT
    return HOUR
