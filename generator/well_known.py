"""Static discovery documents: host-meta (RFC 6415), NodeInfo 2.0 and 2.1, and the WebFinger index the shim reads.

WebFinger itself (RFC 7033) needs a query string, so the shim serves it; the build writes `ap/webfinger.json`, the
list of accounts, which the shim reads. host-meta stays static: Mastodon falls back to it when WebFinger fails.
"""

from __future__ import annotations

from html import escape

from lectern.generator.objects import JSON
from lectern.settings import Settings
from lectern.site_paths import SitePaths

NODEINFO_VERSIONS = ("2.0", "2.1")  # 2.0 too: some software (bovine's client, older crawlers) looks only for it


def nodeinfo_schema(version: str) -> str:
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def nodeinfo_path(version: str) -> str:
    return f"nodeinfo/{version}.json"


def host_meta(settings: Settings) -> str:
    template = escape(f"{settings.site_url}/.well-known/webfinger?resource={{uri}}", quote=True)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
        "</XRD>\n"
    )


def nodeinfo_links(settings: Settings) -> JSON:
    return {
        "links": [
            {"rel": nodeinfo_schema(version), "href": f"{settings.site_url}/{nodeinfo_path(version)}"}
            for version in NODEINFO_VERSIONS
        ]
    }


def nodeinfo(settings: Settings, software_version: str, actors: int, resources: int, version: str = "2.1") -> JSON:
    """The NodeInfo document of schema `version`: 2.0's `software` has only a name and a version (its schema allows
    no other property there); 2.1 adds `homepage`."""
    software = {"name": "lectern", "version": software_version}
    if version != "2.0":
        software["homepage"] = settings.site_url + "/"
    return {
        "version": version,
        "software": software,
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
