"""How Lemmy reads what a community (a FEP-1b12 group) sends it, as a small model for tests.

Each rule cites the Lemmy source it follows (LemmyNet/lemmy, the snapshot at commit 439734dd; paths under
crates/apub). It is not Lemmy: it checks the shape Lemmy needs, so a change that Lemmy would reject fails a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAGE_TYPES = {"Page", "Article", "Note", "Video", "Event"}  # objects/src/protocol/page.rs, `PageType`
USER_TYPES = {"Person", "Service", "Organization"}  # objects/src/protocol/person.rs, `UserTypes`
GROUP_FIELDS = ("id", "type", "preferredUsername", "inbox", "publicKey", "outbox")  # protocol/group.rs (not Option)

Fetch = Callable[[str], dict[str, Any]]


class LemmyRejects(Exception):
    """What Lemmy would answer with an error, and the source that says so."""


@dataclass(frozen=True)
class LemmyPost:
    community: str
    title: str
    url: str | None
    author: str
    body_links: tuple[str, ...]


def _ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v if isinstance(v, str) else v.get("id") for v in values if isinstance(v, str | dict)]


def _domain(url: str) -> str:
    return urlsplit(url).netloc


def read_community_post(announce: dict[str, Any], fetch: Fetch) -> LemmyPost:
    """A group's Announce of a post, read as Lemmy's inbox does."""
    if announce.get("type") != "Announce":
        raise LemmyRejects("not an Announce")
    inner = announce.get("object")
    if not isinstance(inner, dict) or "actor" not in inner or "id" not in inner:
        # activities/src/community/announce.rs: an announced bare Page is `CannotReceivePage`; anything without `id`
        # and `actor` does not deserialize as `RawAnnouncableActivities` (activity_lists.rs)
        raise LemmyRejects("the Announce does not embed an activity (announce.rs: CannotReceivePage)")
    group = fetch(announce["actor"])
    if group.get("type") != "Group" or any(field not in group for field in GROUP_FIELDS):
        raise LemmyRejects("the announcing actor is not a community (protocol/group.rs)")
    if _domain(announce["actor"]) != _domain(announce["id"]):
        raise LemmyRejects("the Announce's id is not on its actor's domain (verify_domains_match)")
    if inner.get("type") not in ("Create", "Update"):
        raise LemmyRejects(f"a {inner.get('type')} is not a post")
    page = inner.get("object")
    if not isinstance(page, dict) or page.get("type") not in PAGE_TYPES:
        raise LemmyRejects("the activity's object is not a PageType (protocol/page.rs)")
    if page["type"] == "Note":
        # activity_lists.rs routes Create{Note} to CreateOrUpdateNote, a comment: protocol/note.rs requires
        # `in_reply_to`, so a top-level Note inside a community's Announce fails when its community is looked up
        raise LemmyRejects("a Create of a Note is read as a comment without inReplyTo (protocol/note.rs)")
    if "inReplyTo" in page:
        raise LemmyRejects("Post must not have inReplyTo property (protocol/page.rs)")
    author_id = _ids(page.get("attributedTo"))[0]
    author = fetch(author_id)
    if author.get("type") not in USER_TYPES:
        raise LemmyRejects(f"the author is a {author.get('type')} (protocol/person.rs, UserTypes)")
    if _domain(author_id) != _domain(page["id"]) or _domain(inner["actor"]) != _domain(page["id"]):
        raise LemmyRejects("the post is not on its author's domain (objects/post.rs, verify_domains_match)")
    addressed = _ids(page.get("to")) + _ids(page.get("cc"))
    if PUBLIC not in addressed:
        raise LemmyRejects("not public (verify_visibility)")
    community = None
    for candidate in addressed:  # protocol/page.rs, `InCommunity`: to and cc, the first Group, Public skipped
        if candidate == PUBLIC:
            continue
        document = fetch(candidate)
        if document.get("type") == "Group":
            community = candidate
            break
    if community is None:
        raise LemmyRejects("no community in to or cc (protocol/page.rs, InCommunity)")
    if "audience" in page and _ids(page["audience"])[0] != community:
        raise LemmyRejects("audience is not the community (protocol/page.rs, verify_urls_match)")
    if community != announce["actor"]:
        raise LemmyRejects("announced by another community than the post's")
    title = page.get("name") or ""  # objects/post.rs, `from_json`: the name, else the content's first line
    if not title:
        raise LemmyRejects("Object must have name or content (objects/post.rs)")
    attachments = page.get("attachment") or []
    first = attachments[0] if attachments else None
    url = None
    if isinstance(first, dict):  # objects/post.rs: the post's link is `attachment.first()`
        url = first.get("href") if first.get("type") == "Link" else first.get("url")
    others = tuple(str(a.get("href") or a.get("url")) for a in attachments[1:] if isinstance(a, dict))
    return LemmyPost(community, title, url, author_id, others)
