"""WebFinger (RFC 7033) for the site's actors, answered from the static WebFinger index of the current build.

`resource` may be `acct:name@host` (what Mastodon and Fedify send), `name@host`, or the actor's id or page URL.
An account on another host, or an unknown one, is 404; a missing or malformed resource is 400. The answer links the
actor as `self` (`application/activity+json`) and its HTML page as the profile page; `aliases` hold both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lectern.site_paths import WEBFINGER_INDEX_FILE


@dataclass(frozen=True)
class WebFingerAnswer:
    status: int
    body: dict[str, Any]


def load_index(output_dir: Path) -> dict[str, Any]:
    index: dict[str, Any] = json.loads((output_dir / WEBFINGER_INDEX_FILE).read_text(encoding="utf-8"))
    return index


def _account_name(resource: str, index: dict[str, Any]) -> tuple[str | None, str | None]:
    """(name, None) when `resource` names one of our accounts; (None, reason) otherwise; reason None = not ours."""
    host = str(index["host"]).lower()
    if resource.startswith(("http://", "https://")):
        for name, account in index["accounts"].items():
            if resource in (account["actor"], account["page"]):
                return name, None
        return None, None
    handle = resource.removeprefix("acct:").removeprefix("@")
    if handle.count("@") != 1:
        return None, "the resource must be acct:name@host or an actor's URL"
    name, _, domain = handle.partition("@")
    if not name or not domain:
        return None, "the resource must be acct:name@host or an actor's URL"
    if domain.lower() != host:
        return None, None
    return (name, None) if name in index["accounts"] else (None, None)


def webfinger(resource: str | None, index: dict[str, Any]) -> WebFingerAnswer:
    if not resource:
        return WebFingerAnswer(
            400, {"error": "missing_resource", "detail": "add ?resource=acct:name@host to the request"}
        )
    resource = unquote(resource).strip()
    name, reason = _account_name(resource, index)
    if reason:
        return WebFingerAnswer(400, {"error": "malformed_resource", "detail": reason})
    if name is None:
        return WebFingerAnswer(404, {"error": "not_found", "detail": f"{resource} is not an account of this site"})
    account = index["accounts"][name]
    return WebFingerAnswer(
        200,
        {
            "subject": f"acct:{name}@{index['host']}",
            "aliases": [account["actor"], account["page"]],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": account["actor"]},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": account["page"]},
            ],
        },
    )
