"""The same material on several sites: one key per external link, so search results can merge them (`also_in`).

Two resources are the same material when their first link (the external resource a curator points to) is the same
address once normalised: scheme (http and https are one), case of the host, `www.`, default port, trailing slash,
fragment and tracking parameters (`utm_*`, `fbclid`, `gclid`) do not count; the path and the other parameters do.
Files hosted on a Lectern site are each site's own, so they are compared like any link (and differ by host).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def link_key(url: str) -> str:
    """'HTTPS://www.Example.org:443/a/?utm_source=x#top' -> 'example.org/a'; '' for no or an unreadable link."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host or parts.scheme.lower() not in ("http", "https"):
        return ""
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    query = parts.query and urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith(TRACKING))
    )
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{query}" if query else "")
