"""Rules for a resource's Note, as Mastodon, Lemmy and Pixelfed read it when a follower's server receives it.

Each rule is a pure function `(Document, SiteView) -> list[Problem]` whose docstring names the server code it mirrors.
"""

from __future__ import annotations

import re
from datetime import datetime

from lectern.doctor_attachment_rules import material_in_attachments
from lectern.doctor_model import Document, Problem, SiteView, as_list, plain_text
from lectern.federation_shim import id_of

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LOCAL_STATUS_CHARS = 500  # Mastodon's StatusLengthValidator::MAX_CHARS, for its own users' posts
LEMMY_TITLE_LENGTH = 200  # Lemmy's MAX_TITLE_LENGTH in crates/apub/objects/src/objects/post.rs
# Lemmy's UserTypes, crates/apub/objects/src/protocol/person.rs
LEMMY_AUTHOR_TYPES = ("Person", "Service", "Organization")

_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)")
_HASHTAG_NAME = re.compile(r"[\w·\u200c]+")


def published_in_utc(doc: Document, site: SiteView) -> list[Problem]:
    """The Note has `published`, an ISO 8601 time in UTC.

    Mastodon: app/lib/activitypub/activity/create.rb sets `created_at: @object['published']` (absent: the time it
    arrives, so every rebuild would look new). Lemmy: crates/apub/objects/src/protocol/page.rs reads
    `published: Option<DateTime<Utc>>` and post.rs stores it as `published_at`.
    """
    value = doc.json.get("published")
    if not value:
        return [
            Problem(
                doc.path,
                "published",
                "the Note has no publication time",
                "give it the resource's first publication as `published`, e.g. 2024-09-02T00:00:00Z",
            )
        ]
    if not isinstance(value, str) or not _UTC_TIME.fullmatch(value) or not _parses(value):
        return [
            Problem(
                doc.path,
                "published",
                f"{value!r} is not an ISO 8601 time in UTC",
                "write it as 2024-09-02T14:30:00Z",
            )
        ]
    return []


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def attributed_to_an_actor(doc: Document, site: SiteView) -> list[Problem]:
    """The Note names its author in `attributedTo`, an actor of this site.

    Lemmy: crates/apub/objects/src/protocol/page.rs, `attributed_to: AttributedTo` has no default, so a Note without
    it does not parse; `Page::creator` dereferences it. Mastodon: app/lib/activitypub/activity/create.rb
    attributes the status to the activity's actor and checks the object's origin against it.
    """
    author = id_of(doc.json.get("attributedTo"))
    if not author:
        return [Problem(doc.path, "attributedTo", "the Note has no author", "attribute it to the site actor")]
    if site.actors and author not in site.actors:
        return [
            Problem(
                doc.path,
                "attributedTo",
                f"{author} is not an actor of this site",
                "attribute the Note to the site actor (its id is in ap/webfinger.json)",
            )
        ]
    return []


def author_is_not_a_group(doc: Document, site: SiteView) -> list[Problem]:
    """The author is a Person, Service or Organization, never a Group.

    Lemmy: crates/apub/objects/src/protocol/page.rs, `Page::creator` dereferences `attributed_to` as an
    `ApubPerson`, whose protocol type (crates/apub/objects/src/protocol/person.rs, `UserTypes`) is Person, Service or
    Organization; a Group there fails to parse and the post is rejected.
    """
    author = id_of(doc.json.get("attributedTo"))
    actor = site.actors.get(author or "")
    kind = actor.get("type") if actor else None
    if kind is not None and kind not in LEMMY_AUTHOR_TYPES:
        return [
            Problem(
                doc.path,
                "attributedTo",
                f"the author {author} is a {kind}; Lemmy takes the author as a person and rejects the post",
                "attribute the Note to the site actor (a Service) and name the collection in `audience`",
            )
        ]
    return []


def content_within_limits(doc: Document, site: SiteView) -> list[Problem]:
    """The Note has `content`; its text is within what Mastodon lets its own users post (a warning beyond).

    Mastodon: app/lib/activitypub/activity/create.rb, `text_from_content` takes `content` (or the first of
    `contentMap`) as the status text; an empty one is a blank post. 500 characters is
    app/validators/status_length_validator.rb `MAX_CHARS`, enforced on local posts only: a remote one is kept whole.
    """
    content = doc.json.get("content")
    if not isinstance(content, str) or not plain_text(content):
        return [
            Problem(
                doc.path,
                "content",
                "the Note has no text",
                "give it `content`: the title, summary, link and license as HTML",
            )
        ]
    length = len(plain_text(content))
    if length > LOCAL_STATUS_CHARS:
        return [
            Problem(
                doc.path,
                "content",
                f"the text is {length} characters, more than the {LOCAL_STATUS_CHARS} Mastodon allows its own users",
                "shorten the summary; Mastodon keeps it whole but followers scroll past long posts",
                warning=True,
            )
        ]
    return []


def addressed_to_public(doc: Document, site: SiteView) -> list[Problem]:
    """A public post has the Public collection in `to`.

    Mastodon: app/lib/activitypub/activity/create.rb, `visibility_from_audience`: Public in `to` is public, in `cc`
    only is unlisted (kept out of public timelines and hashtag pages), otherwise followers-only or direct.
    """
    if PUBLIC not in as_list(doc.json.get("to")):
        return [
            Problem(
                doc.path,
                "to",
                "the Note is not addressed to Public",
                f"put {PUBLIC} in `to`, or Mastodon shows it as unlisted or followers-only",
            )
        ]
    return []


def hashtags_well_formed(doc: Document, site: SiteView) -> list[Problem]:
    """Every `Hashtag` tag has a `name` of `#` and letters, digits or `_` (at least one letter) and an `href`.

    Mastodon: app/lib/activitypub/activity/create.rb `process_hashtag` skips a blank name and strips the `#`;
    app/models/tag.rb validates the rest against `HASHTAG_NAME_RE` and the status loses the tag when it fails.
    """
    problems: list[Problem] = []
    for tag in as_list(doc.json.get("tag")):
        if not isinstance(tag, dict) or tag.get("type") != "Hashtag":
            continue
        name = tag.get("name")
        word = name[1:] if isinstance(name, str) and name.startswith("#") else None
        if not word or not _HASHTAG_NAME.fullmatch(word) or not any(c.isalpha() for c in word):
            problems.append(
                Problem(
                    doc.path,
                    "tag",
                    f"the hashtag name {name!r} is not # followed by letters, digits or _ with at least one letter",
                    "fix the resource's `tags` (e.g. 'python, loops')",
                )
            )
        if not isinstance(tag.get("href"), str) or not str(tag["href"]).startswith(("http://", "https://")):
            problems.append(Problem(doc.path, "tag", f"the hashtag {name!r} has no href", "link it to its tag page"))
    return problems


def titled_for_lemmy(doc: Document, site: SiteView) -> list[Problem]:
    """The Note has a `name`, the title Lemmy gives the post (at most 200 characters, a warning beyond).

    Lemmy: crates/apub/objects/src/objects/post.rs, `from_json` takes `page.name`, else the first line of the
    content as plain text, and cuts it at `MAX_TITLE_LENGTH` (200).
    """
    name = doc.json.get("name")
    if not isinstance(name, str) or not name.strip():
        return [
            Problem(
                doc.path,
                "name",
                "the Note has no name: Lemmy titles the post with the first line of its content",
                "give the Note the resource's title as `name`",
            )
        ]
    if len(name) > LEMMY_TITLE_LENGTH:
        return [
            Problem(
                doc.path,
                "name",
                f"the title is {len(name)} characters; Lemmy cuts it at {LEMMY_TITLE_LENGTH}",
                "shorten the resource's title",
                warning=True,
            )
        ]
    return []


def audience_is_a_group(doc: Document, site: SiteView) -> list[Problem]:
    """The Note's `audience` names a Group actor of this site: the community Lemmy files the post under.

    Lemmy: crates/apub/objects/src/protocol/page.rs, `InCommunity for Page` dereferences `audience` as an
    `ApubCommunity` (a Group); without it, it tries each of `to` and `cc` and rejects the post if none is a Group.
    """
    audience = id_of(doc.json.get("audience"))
    if not audience:
        return [
            Problem(
                doc.path,
                "audience",
                "the Note has no audience: Lemmy cannot tell which community it belongs to",
                "set `audience` to the collection's actor (a Group)",
            )
        ]
    actor = site.actors.get(audience)
    if site.actors and (actor is None or actor.get("type") != "Group"):
        return [
            Problem(
                doc.path,
                "audience",
                f"{audience} is not a Group actor of this site",
                "set `audience` to the collection's actor",
            )
        ]
    return []


NOTE_RULES = (
    published_in_utc,
    attributed_to_an_actor,
    author_is_not_a_group,
    content_within_limits,
    addressed_to_public,
    hashtags_well_formed,
    material_in_attachments,
    titled_for_lemmy,
    audience_is_a_group,
)
