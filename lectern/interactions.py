"""What a verified activity means for our resources: a reply, a mention, a like, a boost, a quote request, a report,
or the retraction or revision of one of these; or nothing that concerns us.

Pure: the inbox has already checked the HTTP signature and that the signer is the activity's actor; this module
reads the activity and says what it is, given a way to recognise our objects (`OurObjects`). Nothing is fetched:
what matters must be embedded, as every server sends it (Mastodon embeds the Note of a Create, Lemmy the comment;
a Like, an Announce or a QuoteRequest names our object by id).

The shapes read, with the servers' own code as the reference:
- a reply: `Create` of a `Note` whose `inReplyTo` is one of our Notes or Pages (Mastodon
  app/lib/activitypub/activity/create.rb, `replied_to_status`; Lemmy's comments are Notes replying to a Page);
- a mention: `Create` of a `Note` with a `Mention` tag naming one of our actors (an addressee alone is not one: a
  reply elsewhere in a thread keeps everyone in `cc`, and Mastodon tags every mention it makes); with a link in it,
  a suggestion of material (lectern review turns it into a resource file);
- `Like`, `Announce` of our object; FEP-044f `QuoteRequest` (`object`: our Note, `instrument`: the quoting post);
- `Flag` naming our objects or actors (Mastodon app/lib/activitypub/activity/flag.rb: `object` is a list);
- `Undo` of a `Like` or `Announce`; `Delete` of a Note (or its Tombstone); `Update` of a Note.
The author of an embedded Note (`attributedTo`) must be the signer: a relay may not put words in someone's mouth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal, TypeGuard

from lectern.federation_shim import id_of
from lectern.remote_html import plain_text, safe_html

Kind = Literal["reply", "mention", "like", "boost", "quote", "flag", "follow"]
KINDS: tuple[Kind, ...] = ("reply", "mention", "like", "boost", "quote", "flag", "follow")  # follow: a classroom's
POST_TYPES = frozenset({"Note", "Article", "Page", "Question"})
MAX_LINKS = 20


@dataclass(frozen=True)
class OurObjects:
    """How the site knows its own: a resource's key from any of its object ids, an actor's name from its id."""

    resource_of: Callable[[str], str | None]
    actor_name_of: Callable[[str], str | None]


@dataclass(frozen=True)
class Interaction:
    """Something a remote actor did to one of our resources or actors, to be counted or reviewed."""

    activity_id: str
    kind: Kind
    actor: str
    resource: str | None  # the key ("fractions/fraction-strips") of our resource it concerns, if any
    collection_actor: str | None  # the name of our actor it addresses (a mention, a report of an actor)
    post_id: str | None = None  # the remote post (reply, mention, quoting post), which a later Update/Delete names
    url: str | None = None  # where a person reads the original
    html: str = ""  # sanitised (lectern.remote_html)
    text: str = ""
    published: str | None = None
    links: tuple[str, ...] = ()  # http(s) links in the text, not mentions or hashtags: what a suggestion suggests


@dataclass(frozen=True)
class Retraction:
    """The actor takes back what it did: `retracted` is an activity id (a Like, an Announce) or a post id."""

    actor: str
    retracted: str


@dataclass(frozen=True)
class Revision:
    """The actor edited one of its posts."""

    actor: str
    post_id: str
    html: str
    text: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class Unrelated:
    """Nothing here concerns our resources; `reason` says why, for the inbox's 202 answer and the log."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The activity claims something its signer may not do (a Note attributed to someone else)."""

    reason: str


Reading = Interaction | Retraction | Revision | Unrelated | Refused


def _ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [found for found in (id_of(v) for v in values[:100]) if found]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # contentMap: one language's text, the first
        return next((v for v in value.values() if isinstance(v, str)), "")
    return ""


def read_activity(activity: dict[str, Any], actor: str, ours: OurObjects) -> Reading:
    """What `activity`, verified as sent by `actor`, means for our resources."""
    kind = activity.get("type")
    activity_id = str(activity.get("id"))
    target = activity.get("object")
    if kind == "Create" and _is_post(target):
        return _post(activity_id, target, actor, ours)
    if kind == "Update" and _is_post(target):
        if (refusal := _authorship(target, actor)) is not None:
            return refusal
        post_id = id_of(target)
        if post_id is None:
            return Unrelated("the updated post has no id")
        html = safe_html(_text(target.get("content")) or _text(target.get("contentMap")))
        return Revision(actor, post_id, html, plain_text(html), _links(html))
    if kind == "Like":
        return _reaction(activity_id, "like", target, actor, ours)
    if kind == "Announce":
        return _reaction(activity_id, "boost", target, actor, ours)
    if kind == "QuoteRequest":
        quote = _reaction(activity_id, "quote", target, actor, ours)
        quoting = activity.get("instrument")
        if isinstance(quote, Interaction):
            post_id = id_of(quoting)
            html = safe_html(_text(quoting.get("content"))) if isinstance(quoting, dict) else ""
            return Interaction(
                activity_id, "quote", actor, quote.resource, None, post_id, post_id, html, plain_text(html)
            )
        return quote
    if kind == "Flag":
        return _flag(activity_id, activity, actor, ours)
    if kind == "Undo":
        undone = id_of(target)
        if isinstance(target, dict) and target.get("type") not in ("Like", "Announce", "QuoteRequest"):
            return Unrelated(f"Undo of {target.get('type')} is not a reaction")
        if isinstance(target, dict) and id_of(target.get("actor")) not in (None, actor):
            return Refused("an actor can only undo its own activities")
        return Retraction(actor, undone) if undone else Unrelated("the Undo names nothing")
    if kind == "Delete":
        deleted = id_of(target)
        if deleted is None or deleted == actor:
            return Unrelated("not the deletion of a post")
        return Retraction(actor, deleted)
    return Unrelated(f"{kind} activities do not concern resources")


def _is_post(value: Any) -> TypeGuard[dict[str, Any]]:
    """An embedded post: an object whose `type` is one of POST_TYPES (a type that is a list or an object, as
    hostile JSON may send, is none)."""
    return isinstance(value, dict) and isinstance(value.get("type"), str) and value["type"] in POST_TYPES


def _authorship(post: dict[str, Any], actor: str) -> Refused | None:
    authors = _ids(post.get("attributedTo"))
    if authors and actor not in authors:
        return Refused(f"the post is attributed to {authors[0]}, but {actor} signed it")
    return None


def _post(activity_id: str, post: dict[str, Any], actor: str, ours: OurObjects) -> Reading:
    if (refusal := _authorship(post, actor)) is not None:
        return refusal
    replied = id_of(post.get("inReplyTo"))
    resource = ours.resource_of(replied) if replied else None
    mentioned = next(
        (
            name
            for name in (
                ours.actor_name_of(href)
                for href in (
                    tag.get("href")
                    for tag in _list(post.get("tag"))
                    if isinstance(tag, dict) and tag.get("type") == "Mention"
                )
                if isinstance(href, str)
            )
            if name
        ),
        None,
    )
    if resource is None and mentioned is None:
        return Unrelated("the post neither replies to one of our resources nor mentions one of our actors")
    html = safe_html(_text(post.get("content")) or _text(post.get("contentMap")))
    url = next((u for u in (_url(post.get("url")), id_of(post)) if u), None)
    published = post.get("published") if isinstance(post.get("published"), str) else None
    return Interaction(
        activity_id,
        "reply" if resource else "mention",
        actor,
        resource,
        mentioned,
        id_of(post),
        url,
        html,
        plain_text(html),
        published,
        _links(html),
    )


def _reaction(activity_id: str, kind: Kind, target: Any, actor: str, ours: OurObjects) -> Reading:
    object_id = id_of(target)
    resource = ours.resource_of(object_id) if object_id else None
    if resource is None:
        return Unrelated(f"the {kind} is not about one of our resources")
    return Interaction(activity_id, kind, actor, resource, None)


def _flag(activity_id: str, activity: dict[str, Any], actor: str, ours: OurObjects) -> Reading:
    named = _ids(activity.get("object"))
    resource = next((key for key in (ours.resource_of(i) for i in named) if key), None)
    reported_actor = next((name for name in (ours.actor_name_of(i) for i in named) if name), None)
    if resource is None and reported_actor is None:
        return Unrelated("the report names nothing of ours")
    text = plain_text(_text(activity.get("content")))
    return Interaction(activity_id, "flag", actor, resource, reported_actor, text=text, html="")


def _list(value: Any) -> list[Any]:
    return value[:100] if isinstance(value, list) else [value]


def _url(value: Any) -> str | None:
    for candidate in _list(value):
        href = candidate.get("href") if isinstance(candidate, dict) else candidate
        if isinstance(href, str) and href.startswith(("https://", "http://")):
            return href
    return None


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            if not self._text.strip().startswith(("@", "#")) and self._href not in self.links:  # mentions, hashtags
                self.links.append(self._href)
            self._href = None


def _links(safe: str) -> tuple[str, ...]:
    """The http(s) links of sanitised HTML that are not mentions (`@name`) or hashtags (`#tag`)."""
    collector = _LinkCollector()
    collector.feed(safe)
    collector.close()
    return tuple(collector.links[:MAX_LINKS])
