"""What each file of a built site is, for servers that cannot negotiate: its Content-Type and its Cache-Control.

Static hosts serve a file with the type its name says; Mastodon ignores an ActivityPub body served with another type,
so the ActivityPub documents (`.json` under `ap/`), WebFinger and host-meta (JRD and XRD) and NodeInfo get explicit
types. The same table serves `lectern serve` and `lectern publish`, so what a follower's server sees locally is what
it sees from the CDN.

The formats a site is likely to hold (web pages and assets, fonts, images, audio, video, office documents, notebooks)
are pinned here rather than left to `mimetypes`, whose answers depend on the machine's /etc/mime.types: a publish from
a laptop and one from CI must give every file the same headers, or each would re-upload what the other sent.

A Common Cartridge (`.imscc`, a zip) is served as `application/vnd.ims.imsccv1p1`, the IANA-registered type IMS gave
Common Cartridge 1.1, not as `application/zip`: a browser that knows no handler for it saves it as it is, under its
own name, ready to upload to an LMS, whereas a zip type invites a browser to treat it as an archive (Safari's "open
safe files after downloading" unpacks zips, leaving a folder no LMS takes). The LMSs never see this header: a teacher
uploads the file from disk, and Moodle, Canvas and Brightspace go by its content (`imsmanifest.xml`) and name.

Cache policy: HTML, actors, outboxes, feeds and discovery documents change with every build: short, revalidated.
Fingerprinted assets (a content hash with at least one letter in the name: `lectern.3f2a9c1b.css`) never change: a
year, immutable; HTML and ActivityPub documents never count as fingerprinted, their URLs are stable ids.
Everything else (hosted files, images): an hour.
"""

from __future__ import annotations

import mimetypes
import re

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
IMS_CC = "application/vnd.ims.imsccv1p1"
SHORT = "public, max-age=60, must-revalidate"
HOUR = "public, max-age=3600"
IMMUTABLE = "public, max-age=31536000, immutable"

_FINGERPRINT = re.compile(r"\.(?=[0-9]*[a-f])[0-9a-f]{8,64}\.[A-Za-z0-9]+$")
_EXACT = {
    ".well-known/host-meta": "application/xrd+xml; charset=utf-8",
    ".well-known/host-meta.json": JRD_JSON,
    ".well-known/webfinger": JRD_JSON,
    ".well-known/nodeinfo": "application/json; charset=utf-8",
    "nodeinfo/2.0.json": 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
    "nodeinfo/2.1.json": 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
}
_TEXT_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/xrd+xml",
    "application/yaml",
)
# Longest suffixes first where one ends another (".atom.xml" before ".xml").
_EXTRA = {
    # feeds, discovery, web
    ".atom.xml": "application/atom+xml",
    ".rss.xml": "application/rss+xml",
    ".jrd": JRD_JSON,
    ".xrd": "application/xrd+xml",
    ".jsonld": "application/ld+json",
    ".webmanifest": "application/manifest+json",
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".wasm": "application/wasm",
    # images and fonts
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    # audio, video, captions
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
    ".vtt": "text/vtt",
    # documents, notebooks, archives
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    ".rtf": "application/rtf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odg": "application/vnd.oasis.opendocument.graphics",
    ".doc": "application/msword",
    ".ppt": "application/vnd.ms-powerpoint",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ipynb": "application/x-ipynb+json",
    ".tex": "text/x-tex",
    ".bib": "text/x-bibtex",
    ".py": "text/x-python",
    ".ggb": "application/vnd.geogebra.file",
    ".imscc": IMS_CC,
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tgz": "application/gzip",
    ".tar": "application/x-tar",
    ".7z": "application/x-7z-compressed",
}
_SHORT_TYPES = (
    "text/html",
    ACTIVITY_JSON,
    "application/json",
    "application/xrd",
    "application/jrd",
    "application/atom",
    "application/rss",
)


def is_activitypub(path: str) -> bool:
    return path.startswith("ap/") and path.endswith(".json")


def content_type(path: str) -> str:
    """The Content-Type of the output file at `path` (relative to the output folder, '/'-separated)."""
    path = path.lstrip("/")
    if path in _EXACT:
        return _EXACT[path]
    if path in ("ap/webfinger.json", "ap/manifest.json"):  # indexes the shim reads, not ActivityPub documents
        return "application/json; charset=utf-8"
    if is_activitypub(path):
        return ACTIVITY_JSON
    lowered = path.lower()
    guessed = next((kind for suffix, kind in _EXTRA.items() if lowered.endswith(suffix)), None)
    guessed = guessed or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if guessed.startswith(_TEXT_TYPES) and "charset" not in guessed:
        guessed += "; charset=utf-8"
    return guessed


def media_type(path: str) -> str:
    """The media type of the file at `path`, without parameters: what ActivityStreams' `mediaType` holds."""
    return content_type(path).split(";")[0]


def cache_control(path: str) -> str:
    """The Cache-Control of the output file at `path`: SHORT, HOUR or IMMUTABLE (see the module's docstring)."""
    path = path.lstrip("/")
    kind = content_type(path)
    stable_id = kind.startswith("text/html") or is_activitypub(path) or path in _EXACT
    if _FINGERPRINT.search(path) and not stable_id:
        return IMMUTABLE
    if kind.startswith(_SHORT_TYPES):
        return SHORT
    return HOUR
