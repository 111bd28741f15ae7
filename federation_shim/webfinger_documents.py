"""WebFinger (RFC 7033) for an app's actors: the JRD document of an account, and the answer to a query.

`resource` may be `acct:name@host` (what Mastodon and Fedify send), `name@host`, or the actor's id or page URL.
An account on another host, or an unknown one, is 404; a missing or malformed resource is 400. The answer links the
actor as `self` (`application/activity+json`) and its HTML page, when it has one, as the profile page; `aliases`
hold both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lectern.federation_shim.vocabulary import ACTIVITY_JSON

__all__ = ["PROFILE_PAGE", "WebFingerAccount", "WebFingerAnswer", "jrd", "webfinger"]

PROFILE_PAGE = "http://webfinger.net/rel/profile-page"


@dataclass(frozen=True)
class WebFingerAccount:
    """One of the app's accounts: its actor's id and, if it has one, its HTML page."""

    actor: str
    page: str | None = None


@dataclass(frozen=True)
class WebFingerAnswer:
    status: int
    body: dict[str, Any]


def jrd(name: str, host: str, account: WebFingerAccount, *, aliases: list[str] | None = None) -> dict[str, Any]:
    """The JRD document of `name@host` (RFC 7033 section 4.4); `aliases` default to the actor's id and page."""
    links = [{"rel": "self", "type": ACTIVITY_JSON, "href": account.actor}]
    if account.page is not None:
        links.append({"rel": PROFILE_PAGE, "type": "text/html", "href": account.page})
    if aliases is None:
        aliases = [account.actor] if account.page is None else [account.actor, account.page]
    return {"subject": f"acct:{name}@{host}", "aliases": aliases, "links": links}


def _account_name(resource: str, host: str, accounts: Mapping[str, WebFingerAccount]) -> tuple[str | None, str | None]:
    """(name, None) when `resource` names one of our accounts; (None, reason) otherwise; reason None = not ours."""
    if resource.startswith(("http://", "https://")):
        for name, account in accounts.items():
            if resource in (account.actor, account.page):
                return name, None
        return None, None
    handle = resource.removeprefix("acct:").removeprefix("@")
    if handle.count("@") != 1:
        return None, "the resource must be acct:name@host or an actor's URL"
    name, _, domain = handle.partition("@")
    if not name or not domain:
        return None, "the resource must be acct:name@host or an actor's URL"
    if domain.lower() != host.lower():
        return None, None
    return (name, None) if name in accounts else (None, None)


def webfinger(resource: str | None, host: str, accounts: Mapping[str, WebFingerAccount]) -> WebFingerAnswer:
    """The answer to `GET /.well-known/webfinger?resource=...` for the accounts of `host`."""
    if not resource:
        return WebFingerAnswer(
            400, {"error": "missing_resource", "detail": "add ?resource=acct:name@host to the request"}
        )
    resource = unquote(resource).strip()
    name, reason = _account_name(resource, host, accounts)
    if reason:
        return WebFingerAnswer(400, {"error": "malformed_resource", "detail": reason})
    if name is None:
        return WebFingerAnswer(404, {"error": "not_found", "detail": f"{resource} is not an account of this site"})
    return WebFingerAnswer(200, jrd(name, host, accounts[name]))
