"""Static discovery documents: host-meta (RFC 6415), NodeInfo 2.1, and the WebFinger index the shim answers from.

WebFinger itself (RFC 7033) needs a query string, so the shim serves it; the build writes `ap/webfinger.json`, the
list of accounts, which the shim reads. host-meta stays static: Mastodon falls back to it when WebFinger fails.
"""

from __future__ import annotations

from html import escape

from generator.objects import JSON
from lectern.settings import Settings
from lectern.site_paths import SitePaths

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_PATH = "nodeinfo/2.1.json"


def host_meta(settings: Settings) -> str:
    template = escape(f"{settings.site_url}/.well-known/webfinger?resource={{uri}}", quote=True)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
        "</XRD>\n"
    )


def nodeinfo_links(settings: Settings) -> JSON:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{settings.site_url}/{NODEINFO_PATH}"}]}


def nodeinfo(settings: Settings, version: str, actors: int, resources: int) -> JSON:
    return {
        "version": "2.1",
        "software": {
            "name": "lectern",
            "version": version,
            "homepage": settings.site_url + "/",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": actors}, "localPosts": resources},
        "metadata": {"nodeName": settings.site_name, "collections": actors - 1},
    }


def webfinger_index(settings: Settings, accounts: list[tuple[str, str, str]]) -> JSON:
    """`accounts` is (name, actor type, HTML page) for the site actor and each collection."""
    paths = SitePaths(settings.site_url)
    return {
        "host": settings.host,
        "site_url": settings.site_url,
        "accounts": {name: {"actor": paths.actor(name), "type": kind, "page": page} for name, kind, page in accounts},
    }
