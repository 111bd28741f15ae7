"""ActivityPub media types (ActivityPub section 3.2, Activity Streams 2.0 Core section 2).

Servers must answer ``Accept: application/ld+json; profile="https://www.w3.org/ns/activitystreams"``
and may use ``application/activity+json``; both name the same JSON-LD documents. We ask for both
and accept a response labelled with either. Mastodon (``valid_activitypub_content_type?`` in
``app/helpers/json_ld_helper.rb``) additionally insists that ``application/ld+json`` carries
the Activity Streams profile; we also accept it without any profile, but refuse it with a
profile that does not include Activity Streams. Inboxes also accept ``application/json`` (``is_inbox_content_type``).
"""

from __future__ import annotations

__all__ = [
    "ACCEPT_ACTIVITYPUB",
    "ACTIVITY_JSON",
    "AS_PROFILE",
    "LD_JSON_AS",
    "is_activitypub_content_type",
    "is_inbox_content_type",
]

ACTIVITY_JSON = "application/activity+json"
AS_PROFILE = "https://www.w3.org/ns/activitystreams"
LD_JSON_AS = f'application/ld+json; profile="{AS_PROFILE}"'
ACCEPT_ACTIVITYPUB = f"{ACTIVITY_JSON}, {LD_JSON_AS}"


def _parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    mime, *raw_params = value.split(";")
    params: dict[str, str] = {}
    for raw in raw_params:
        name, _, param_value = raw.strip().partition("=")
        params[name.strip().lower()] = param_value.strip().strip('"')
    return mime.strip().lower(), params


def is_activitypub_content_type(value: str | None) -> bool:
    """True for ``application/activity+json`` and ``application/ld+json`` (see module doc)."""
    if not value:
        return False
    mime, params = _parse_content_type(value)
    if mime == ACTIVITY_JSON:
        return True
    if mime != "application/ld+json":
        return False
    profile = params.get("profile")
    return profile is None or AS_PROFILE in profile.split()


def is_inbox_content_type(value: str | None) -> bool:
    """What an inbox accepts in a POST: the ActivityPub types above, or ``application/json`` (some servers and tools
    label activities so). Anything else (``text/plain``, forms, no Content-Type) is answered 415: a body a browser
    can send cross-origin without a preflight must not be read as an activity."""
    if value in _COMMON_INBOX_TYPES:
        return True
    if not value:
        return False
    return is_activitypub_content_type(value) or _parse_content_type(value)[0] == "application/json"


_COMMON_INBOX_TYPES = frozenset({ACTIVITY_JSON, LD_JSON_AS, "application/json"})  # as sent: no parsing needed
